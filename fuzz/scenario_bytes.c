/* scenario_bytes.c - a scenario as a few bytes; see scenario_bytes.h. */
#include "scenario_bytes.h"

#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/policy.h"

static const tl_key_source sources[4] = { TL_KEYS_EVP_CB, TL_KEYS_LEGACY_CB,
                                          TL_KEYS_BUILTIN, TL_KEYS_SET_KEYS };
static const long app_sizes[4] = { -1, 0, 1, 16 };

static int script_value(unsigned char b)
{
    static const int values[5] = { -1, 0, 1, 2, TL_NATURAL };
    return values[b % 5];
}

static int byte_at(const unsigned char *d, size_t len, size_t i)
{
    return i < len ? d[i] : 0;
}

void tl_scenario_from_bytes(const unsigned char *d, size_t len, tl_scenario *sc)
{
    int b0 = byte_at(d, len, 0), b3 = byte_at(d, len, 3), b4 = byte_at(d, len, 4);
    int b5 = byte_at(d, len, 5), b6 = byte_at(d, len, 6), dret = byte_at(d, len, 2) % 8;
    size_t at = 7;

    tl_scenario_init(sc);
    sc->tls = (b0 & 1) ? TLS1_3_VERSION : TLS1_2_VERSION;
    sc->keys = sources[(b0 >> 1) & 3];
    sc->present = (tl_present)(byte_at(d, len, 1) % TL_PRESENT_COUNT);
    /* A ticket from the other version only means something if one is presented. */
    if ((b0 & 8) && sc->present != TL_PRESENT_NONE)
        sc->from = sc->tls == TLS1_3_VERSION ? TLS1_2_VERSION : TLS1_3_VERSION;
    sc->dret = dret == 0 ? TL_NATURAL : dret == 6 ? 7 : dret == 7 ? -1 : dret - 1;
    sc->gen = (b3 & 1) ? 0 : TL_NATURAL;
    sc->app = app_sizes[(b3 >> 1) & 3];
    sc->app2 = (b3 >> 3) & 3 ? app_sizes[(b3 >> 3) & 3] : -1;
    sc->num_tickets = (b4 & 4) ? -1 : (b4 & 3);
    sc->new_tickets = (b4 >> 3) & 3;
    sc->n_kdec = (size_t)(b5 & 7) > TL_SCENARIO_SCRIPT_MAX ? TL_SCENARIO_SCRIPT_MAX : (size_t)(b5 & 7);
    sc->n_kenc = (size_t)((b5 >> 3) & 7) > TL_SCENARIO_SCRIPT_MAX ? TL_SCENARIO_SCRIPT_MAX
                                                                 : (size_t)((b5 >> 3) & 7);
    for (size_t i = 0; i < sc->n_kdec; i++)
        sc->kdec[i] = script_value((unsigned char)byte_at(d, len, at++));
    for (size_t i = 0; i < sc->n_kenc; i++)
        sc->kenc[i] = script_value((unsigned char)byte_at(d, len, at++));
    sc->no_ticket = b6 & 1;
    sc->early = (b6 & 2) ? 16384 : 0;
    sc->send_early = (b6 >> 2) & 1;
    sc->no_anti_replay = (b6 >> 3) & 1;
    sc->hrr = (b6 >> 4) & 1;
}

static int index_of_app(long app)
{
    for (int i = 0; i < 4; i++)
        if (app_sizes[i] == app)
            return i;
    return -1;
}

static int script_byte(int v)
{
    switch (v) {
    case -1: return 0;
    case 0: return 1;
    case 1: return 2;
    case 2: return 3;
    case TL_NATURAL: return 4;
    default: return -1;
    }
}

size_t tl_scenario_to_bytes(const tl_scenario *sc, unsigned char *out)
{
    int src = -1, app = index_of_app(sc->app), app2 = sc->app2 < 0 ? 0 : index_of_app(sc->app2);
    size_t n = 7;
    tl_scenario check;
    char a[TL_SCENARIO_LINE_MAX], b[TL_SCENARIO_LINE_MAX];

    for (int i = 0; i < 4; i++)
        if (sources[i] == sc->keys)
            src = i;
    if (src < 0 || app < 0 || app2 < 0 || (sc->app2 >= 0 && app2 == 0))
        return 0;
    memset(out, 0, TL_SCENARIO_BYTES_MAX);
    out[0] = (unsigned char)((sc->tls == TLS1_3_VERSION) | src << 1
                             | (sc->from != 0 && sc->from != sc->tls) << 3);
    out[1] = (unsigned char)sc->present;
    out[2] = (unsigned char)(sc->dret == TL_NATURAL ? 0 : sc->dret == 7 ? 6
                             : sc->dret == -1 ? 7 : sc->dret + 1);
    out[3] = (unsigned char)((sc->gen == 0) | app << 1 | app2 << 3);
    out[4] = (unsigned char)(sc->num_tickets < 0 ? 4 : (sc->num_tickets & 3)) | (unsigned char)((sc->new_tickets & 3) << 3);
    out[5] = (unsigned char)(sc->n_kdec | sc->n_kenc << 3);
    out[6] = (unsigned char)(sc->no_ticket | (sc->early ? 2 : 0) | sc->send_early << 2
                             | sc->no_anti_replay << 3 | sc->hrr << 4);
    for (size_t i = 0; i < sc->n_kdec; i++) {
        int v = script_byte(sc->kdec[i]);
        if (v < 0)
            return 0;
        out[n++] = (unsigned char)v;
    }
    for (size_t i = 0; i < sc->n_kenc; i++) {
        int v = script_byte(sc->kenc[i]);
        if (v < 0)
            return 0;
        out[n++] = (unsigned char)v;
    }
    /* Only what decodes back to the very same scenario is encodable. */
    tl_scenario_from_bytes(out, n, &check);
    tl_scenario_format(sc, a, sizeof(a));
    tl_scenario_format(&check, b, sizeof(b));
    return strcmp(a, b) == 0 ? n : 0;
}
