/*
 * changes_list.c - `ticketlab conformance --changes`: every ticket
 * behaviour change with its detected answer, its history answer, where it
 * lives and its upstream reference; and --expect-change.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "detect.h"
#include "json.h"
#include "ticketlab/version.h"

static const char *answer_word(int v)
{
    return v < 0 ? "-" : v ? "present" : "absent";
}

static void write_table(FILE *f)
{
    fprintf(f, "Ticket behaviour of %s (release line %s), detected in %.1f ms (%.1f ms CPU):\n",
            tl_openssl_running(), tl_release_series(), tl_detect_cost_ms(), tl_detect_cost_cpu_ms(-1));
    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        tl_behaviour b;
        char note[400];

        tl_behaviour_get((tl_change)i, &b);
        tl_behaviour_note(&b, note, sizeof(note));
        fprintf(f, "\n%s: %s\n", b.name, note);
        fprintf(f, "  detected %s (%.1f ms CPU), history %s, asserted %s: the engine uses %s (%s)\n",
                answer_word(b.detected), tl_detect_cost_cpu_ms(i), answer_word(b.history), answer_word(b.asserted),
                answer_word(b.used), b.source);
        fprintf(f, "  where:     %s\n  what:      %s\n  reference: %s\n", tl_change_where(b.change),
                tl_change_what(b.change), tl_change_reference(b.change));
    }
    fprintf(f, "\n%d of %d changes differ from upstream history or from what is asserted\n",
            tl_behaviour_disagreements(), TL_CHANGE_COUNT);
}

static void write_json(FILE *f)
{
    fputc('{', f);
    tl_version_json(f);
    fputs(", \"release\": ", f);
    tl_json_string(f, tl_release_name());
    fprintf(f, ", \"detect_ms\": %.3f, \"detect_cpu_ms\": %.3f, \"changes_disagree\": %d, ", tl_detect_cost_ms(),
            tl_detect_cost_cpu_ms(-1), tl_behaviour_disagreements());
    tl_behaviour_json(f);
    fputs("}\n", f);
}

int tl_cli_changes(const char *cmd, const char *format, const char *out)
{
    tl_cli_report report;
    tl_error err = { "" };
    int json;

    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return tl_cli_fail(cmd, "--format %s: --changes is written as table or json", format);
    json = format[0] == 'j';
    if (tl_cli_report_open(&report) != 0)
        return tl_cli_fail(cmd, "out of memory");
    if (json)
        write_json(report.f);
    else
        write_table(report.f);
    if (tl_cli_report_save(&report, out, &err) != 0)
        return tl_cli_fail(cmd, "%s", err.msg);
    return TL_EXIT_OK;
}

int tl_cli_expect_changes(const char *cmd, const char *const *items, int n)
{
    tl_error err = { "" };

    if (tl_detect_install(&err) != 0)
        return tl_cli_fail(cmd, "%s", err.msg);
    for (int i = 0; i < n; i++)
        if (tl_behaviour_assert_text(items[i], &err) != 0)
            return tl_cli_fail(cmd, "--expect-change %s", err.msg);
    return TL_EXIT_OK;
}
