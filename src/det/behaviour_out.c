/* behaviour_out.c - the behaviour answers as JSON and JUnit properties; see behaviour.h. */
#include "behaviour.h"

#include "json.h"
#include "xml.h"

static const char *json_answer(int v)
{
    return v < 0 ? "null" : v ? "true" : "false";
}

void tl_behaviour_json(FILE *f)
{
    fputs("\"changes\": [", f);
    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        tl_behaviour b;
        char note[400];

        tl_behaviour_get((tl_change)i, &b);
        tl_behaviour_note(&b, note, sizeof(note));
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        tl_json_string(f, b.name);
        fputs(", \"where\": ", f);
        tl_json_string(f, tl_change_where(b.change));
        fputs(", \"reference\": ", f);
        tl_json_string(f, tl_change_reference(b.change));
        fprintf(f, ", \"used\": %s, \"source\": ", json_answer(b.used));
        tl_json_string(f, b.source);
        fprintf(f, ", \"detected\": %s, \"history\": %s, \"asserted\": %s, \"disagrees\": %s, \"note\": ",
                json_answer(b.detected), json_answer(b.history), json_answer(b.asserted),
                json_answer(tl_behaviour_disagrees(&b)));
        tl_json_string(f, note);
        fputc('}', f);
    }
    fputc(']', f);
}

void tl_behaviour_junit(FILE *f)
{
    fprintf(f, "<property name=\"changes.disagreements\" value=\"%d\"/>", tl_behaviour_disagreements());
    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        tl_behaviour b;
        char note[400];

        tl_behaviour_get((tl_change)i, &b);
        tl_behaviour_note(&b, note, sizeof(note));
        fputs("<property name=\"change.", f);
        tl_xml_text(f, b.name);
        fputs("\" value=\"", f);
        tl_xml_text(f, note);
        fputs("\"/>", f);
    }
}
