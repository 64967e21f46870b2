/* selftest_world.c - the world every self-test starts from; see selftest.h. */
#include "selftest.h"

#include <string.h>

tl_world *tl_selftest_world(const tl_world_config *cfg, tl_handshake_result *full, tl_error *err)
{
    tl_world_config def;
    tl_world *w;

    memset(full, 0, sizeof(*full));
    if (cfg == NULL) {
        tl_world_config_init(&def);
        cfg = &def;
    }
    w = tl_world_new(cfg, err);
    if (w == NULL)
        return NULL;
    if (tl_world_handshake(w, NULL, full, err) != 0) {
        tl_world_free(w);
        return NULL;
    }
    if (!full->client.ok || !full->server.ok || full->n_sessions == 0) {
        tl_error_set(err, "the first handshake of the self-test's world failed (client %s, server %s) "
                          "or gave no session", full->client.ok ? "ok" : full->client.err_reason,
                     full->server.ok ? "ok" : full->server.err_reason);
        tl_handshake_result_free(full);
        tl_world_free(w);
        return NULL;
    }
    return w;
}

int tl_selftest_resume(const tl_world_config *cfg, tl_selftest_prepare prepare, void *arg,
                       tl_handshake_result *again, tl_error *err)
{
    tl_handshake_result full;
    tl_handshake_opts o = { 0 };
    tl_world *w = tl_selftest_world(cfg, &full, err);
    int rc = -1;

    memset(again, 0, sizeof(*again));
    if (w == NULL)
        return -1;
    o.session = full.sessions[0];
    if (prepare == NULL || prepare(w, &o, arg, err) == 0)
        rc = tl_world_handshake(w, &o, again, err);
    if (rc != 0)
        tl_handshake_result_free(again);
    tl_handshake_result_free(&full);
    tl_world_free(w);
    return rc;
}
