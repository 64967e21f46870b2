/* report_out.c - reports made in memory, then written whole; see cli.h. */
#include <stdlib.h>

#include "cli.h"
#include "fileio.h"

int tl_cli_report_open(tl_cli_report *r)
{
    r->text = NULL;
    r->len = 0;
    r->f = open_memstream(&r->text, &r->len);
    return r->f != NULL ? 0 : -1;
}

int tl_cli_report_save(tl_cli_report *r, const char *path, tl_error *err)
{
    int rc = fclose(r->f) == 0 ? 0 : tl_error_set(err, "out of memory making the report");

    if (rc == 0 && tl_file_write_atomic(path != NULL ? path : "-", r->text, r->len, 0644, err) != 0)
        rc = -1;
    free(r->text);
    r->f = NULL;
    r->text = NULL;
    return rc;
}

void tl_cli_report_discard(tl_cli_report *r)
{
    fclose(r->f);
    free(r->text);
    r->f = NULL;
    r->text = NULL;
}
