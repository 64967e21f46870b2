/*
 * keyfile.c - the ticket key files real servers use; see keyfile.h.
 *
 * Layouts, checked against each server's source:
 *  - nginx ngx_ssl_session_ticket_keys(): 48 bytes are name|AES-128|HMAC-16,
 *    80 bytes are name|HMAC-32|AES-256; any other size is refused.
 *  - Envoy ServerContextConfigImpl::getSessionTicketKey(): exactly 80 bytes,
 *    name(16)|hmac_key(32)|aes_key(32), i.e. the nginx 80-byte layout, and
 *    the first key of the list encrypts.
 *  - haproxy ssl_bind_parse_tls_ticket_keys() (cfgparse-ssl.c): one base64
 *    key per line, 48 bytes name|AES-128|HMAC-16 or 80 bytes
 *    name|AES-256|HMAC-32 (struct tls_sess_key_256), all lines the same
 *    size, at least TLS_TICKETS_NO (3) keys. Key i is stored in slot
 *    i % 3, so a longer file keeps its last 3 keys, and
 *    tls_ticket_enc_index = (n - 2) % 3: haproxy encrypts with the
 *    penultimate key of the file. Decryption (ssl_tlsext_ticket_key_cb)
 *    tries slots enc_index, enc_index+1, enc_index+2 (mod 3) in that order.
 *    haproxy itself does not skip blank or '#' lines; ticketlab does, as
 *    keyfile.h promises, and never writes them.
 */
#include "ticketlab/keyfile.h"
#include "wipe.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bytes.h"
#include "ticketlab/codec.h"
#include "fileio.h"
#include "ticketlab/rng.h"

#define LIBTLS_RECORD_LEN (4 + TL_LIBTLS_KEY_LEN)
#define HAPROXY_KEYS 3              /* haproxy's TLS_TICKETS_NO */
#define KEYFILE_MAX (1024 * 1024)

static const char *const fmt_names[] = { "libtls", "nginx", "envoy", "haproxy" };

int tl_keyfmt_parse(const char *name, tl_keyfmt *out)
{
    for (size_t i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++) {
        if (strcmp(name, fmt_names[i]) == 0) {
            *out = (tl_keyfmt)i;
            return 0;
        }
    }
    return -1;
}

const char *tl_keyfmt_name(tl_keyfmt fmt)
{
    if ((size_t)fmt < sizeof(fmt_names) / sizeof(fmt_names[0]))
        return fmt_names[fmt];
    return "unknown";
}

/* The keys a file yields, in the order they must be added to a ring. */
typedef struct parsed_keys {
    tl_key key[TL_KEYRING_SLOTS];
    size_t where[TL_KEYRING_SLOTS];  /* record number or line, for messages */
    size_t n;
} parsed_keys;

/*
 * Every named layout is name(16) first; the formats differ only in where
 * the AES and HMAC keys sit and how long they are.
 */
static void key_from_layout(tl_key *k, const unsigned char *p, size_t aes_off,
                            size_t aes_len, size_t hmac_off, size_t hmac_len)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->name, p, TL_KEY_NAME_LEN);
    memcpy(k->aes, p + aes_off, aes_len);
    k->aes_len = aes_len;
    memcpy(k->hmac, p + hmac_off, hmac_len);
    k->hmac_len = hmac_len;
}

/* nginx/envoy 80 bytes: name | HMAC 32 | AES-256 32 */
#define key_from_nginx80(k, p) key_from_layout((k), (p), 48, 32, 16, 32)
/* 48 bytes, nginx and haproxy alike: name | AES-128 16 | HMAC 16 */
#define key_from_48(k, p) key_from_layout((k), (p), 16, 16, 32, 16)
/* haproxy 80 bytes: name | AES-256 32 | HMAC 32 (not nginx's order) */
#define key_from_haproxy80(k, p) key_from_layout((k), (p), 16, 32, 48, 32)

static int parse_libtls(parsed_keys *pk, const unsigned char *data, size_t len,
                        const char *label, tl_error *err)
{
    size_t records = len / LIBTLS_RECORD_LEN;
    tl_bytes c;

    if (len % LIBTLS_RECORD_LEN != 0)
        return tl_error_set(err, "%s: libtls key files are whole %d-byte records "
                            "(4-byte revision, 48 key bytes), this one is %zu bytes",
                            label, LIBTLS_RECORD_LEN, len);
    if (records > TL_KEYRING_SLOTS)
        return tl_error_set(err, "%s: too many keys: the ring holds %d, this file "
                            "has %zu", label, TL_KEYRING_SLOTS, records);
    /* file order is add order: the last record becomes the newest key */
    tl_bytes_init(&c, data, len);
    for (size_t i = 0; i < records; i++) {
        tl_key *k = &pk->key[i];
        const unsigned char *aes, *hmac;

        memset(k, 0, sizeof(*k));
        if (tl_bytes_u32(&c, &k->revision) != 0 || tl_bytes_take(&c, 32, &aes) != 0
            || tl_bytes_take(&c, 16, &hmac) != 0)   /* whole records: cannot fail */
            return tl_error_set(err, "%s: key %zu is cut short", label, i + 1);
        tl_key_libtls_name(k->revision, k->name);
        memcpy(k->aes, aes, 32);
        k->aes_len = 32;
        memcpy(k->hmac, hmac, 16);
        k->hmac_len = 16;
        pk->where[i] = i + 1;
    }
    pk->n = records;
    return 0;
}

static int parse_nginx(parsed_keys *pk, const unsigned char *data, size_t len,
                       tl_keyfmt fmt, const char *label, tl_error *err)
{
    if (fmt == TL_KEYFMT_ENVOY && len != 80)
        return tl_error_set(err, "%s: envoy key files are 80 bytes, this one is %zu",
                            label, len);
    if (len == 48)
        key_from_48(&pk->key[0], data);
    else if (len == 80)
        key_from_nginx80(&pk->key[0], data);
    else
        return tl_error_set(err, "%s: nginx key files are 48 or 80 bytes, this one "
                            "is %zu", label, len);
    pk->where[0] = 1;
    pk->n = 1;
    return 0;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* What a haproxy file has yielded so far: key i sits in slot i % 3. */
typedef struct haproxy_keys {
    tl_key slot[HAPROXY_KEYS];
    size_t slot_line[HAPROXY_KEYS];
    size_t n;                     /* keys read */
    size_t first_size, first_line;
} haproxy_keys;

/*
 * The line that starts at *pos in len bytes of data, without its '\n' and
 * the blanks at either end; *pos moves past it. Returns the line (length
 * in *linelen), or NULL when no line is left.
 */
static const unsigned char *next_line(const unsigned char *data, size_t len,
                                      size_t *pos, size_t *linelen)
{
    const unsigned char *line = data + *pos;
    const unsigned char *nl;
    size_t n;

    if (*pos >= len)
        return NULL;
    nl = memchr(line, '\n', len - *pos);
    n = nl ? (size_t)(nl - line) : len - *pos;
    *pos += n + (nl != NULL);
    while (n > 0 && is_blank(line[n - 1]))
        n--;
    while (n > 0 && is_blank(line[0])) {
        line++;
        n--;
    }
    *linelen = n;
    return line;
}

/* Decode one base64 key line and store it the way haproxy does.
 * Returns 0, or -1 with "LABEL:LINE: reason". */
static int haproxy_add_line(haproxy_keys *hk, const unsigned char *line, size_t linelen,
                            size_t lineno, const char *label, tl_error *err)
{
    unsigned char *raw = NULL;
    size_t rawlen = 0;

    if (tl_base64_decode((const char *)line, linelen, &raw, &rawlen) != 0)
        return tl_error_set(err, "%s:%zu: not base64", label, lineno);
    if (rawlen != 48 && rawlen != 80) {
        tl_wipe_free(raw, rawlen);
        return tl_error_set(err, "%s:%zu: haproxy keys are 48 or 80 bytes once decoded, "
                            "this one is %zu", label, lineno, rawlen);
    }
    if (hk->first_size == 0) {
        hk->first_size = rawlen;
        hk->first_line = lineno;
    } else if (rawlen != hk->first_size) {
        tl_wipe_free(raw, rawlen);
        return tl_error_set(err, "%s:%zu: haproxy keys in one file must be the same size: "
                            "line %zu is %zu bytes, this one is %zu", label, lineno,
                            hk->first_line, hk->first_size, rawlen);
    }
    /* haproxy writes key i into slot i % 3: later keys overwrite */
    if (rawlen == 48)
        key_from_48(&hk->slot[hk->n % HAPROXY_KEYS], raw);
    else
        key_from_haproxy80(&hk->slot[hk->n % HAPROXY_KEYS], raw);
    hk->slot_line[hk->n % HAPROXY_KEYS] = lineno;
    tl_wipe_free(raw, rawlen);
    hk->n++;
    return 0;
}

/*
 * Encrypting key: enc = (n - 2) % 3. haproxy then tries enc, enc+1,
 * enc+2 when decrypting. Our ring is newest first and tl_keyring_current()
 * is slot 0, so add in the reverse of haproxy's search order: the last
 * key added (the encrypting one) lands in slot 0.
 */
static void haproxy_add_order(parsed_keys *pk, const haproxy_keys *hk)
{
    size_t enc = (hk->n - 2) % HAPROXY_KEYS;

    for (size_t i = 0; i < HAPROXY_KEYS; i++) {
        size_t s = (enc + HAPROXY_KEYS - 1 - i) % HAPROXY_KEYS;

        pk->key[i] = hk->slot[s];
        pk->where[i] = hk->slot_line[s];
    }
    pk->n = HAPROXY_KEYS;
}

static int parse_haproxy(parsed_keys *pk, const unsigned char *data, size_t len,
                         const char *label, tl_error *err)
{
    haproxy_keys hk;
    const unsigned char *line;
    size_t pos = 0, linelen = 0, lineno = 0;
    int rc = -1;

    memset(&hk, 0, sizeof(hk));
    while ((line = next_line(data, len, &pos, &linelen)) != NULL) {
        lineno++;
        if (linelen == 0 || line[0] == '#')
            continue;
        if (haproxy_add_line(&hk, line, linelen, lineno, label, err) != 0)
            goto out;
    }
    if (hk.n < HAPROXY_KEYS) {
        tl_error_set(err, "%s: haproxy needs at least %d keys, this file has %zu",
                     label, HAPROXY_KEYS, hk.n);
        goto out;
    }
    haproxy_add_order(pk, &hk);
    rc = 0;
out:
    OPENSSL_cleanse(&hk, sizeof(hk));
    return rc;
}

/* Refuse what the ring would refuse, before touching it. */
static int check_names(const tl_keyring *kr, const parsed_keys *pk,
                       tl_keyfmt fmt, const char *label, tl_error *err)
{
    char hex[2 * TL_KEY_NAME_LEN + 1];
    const char *unit = fmt == TL_KEYFMT_HAPROXY ? "line" : "key";

    size_t dup_a = 0, dup_b = 0, dup_i = 0;

    /* report the first repeat in file order */
    for (size_t i = 0; i < pk->n; i++) {
        for (size_t j = 0; j < i; j++) {
            size_t a = pk->where[j] < pk->where[i] ? pk->where[j] : pk->where[i];
            size_t b = pk->where[j] < pk->where[i] ? pk->where[i] : pk->where[j];

            if (memcmp(pk->key[i].name, pk->key[j].name, TL_KEY_NAME_LEN) != 0)
                continue;
            if (dup_b == 0 || b < dup_b || (b == dup_b && a < dup_a)) {
                dup_a = a;
                dup_b = b;
                dup_i = i;
            }
        }
    }
    if (dup_b != 0)
        return tl_error_set(err, "%s: duplicate key name %s (%ss %zu and %zu)", label,
                            tl_hex_encode(pk->key[dup_i].name, TL_KEY_NAME_LEN, hex),
                            unit, dup_a, dup_b);
    for (size_t i = 0; i < pk->n; i++) {
        for (size_t s = 0; s < tl_keyring_count(kr); s++) {
            const tl_key *have = tl_keyring_slot(kr, s);

            if (memcmp(have->name, pk->key[i].name, TL_KEY_NAME_LEN) != 0)
                continue;
            /* the libtls no-op: the first key added equals the newest key */
            if (i == 0 && s == 0 && have->aes_len == pk->key[i].aes_len
                && have->hmac_len == pk->key[i].hmac_len
                && CRYPTO_memcmp(have->aes, pk->key[i].aes, have->aes_len) == 0
                && CRYPTO_memcmp(have->hmac, pk->key[i].hmac, have->hmac_len) == 0)
                continue;
            return tl_error_set(err, "%s: key name %s is already in the key ring",
                                label, tl_hex_encode(pk->key[i].name,
                                                     TL_KEY_NAME_LEN, hex));
        }
    }
    return 0;
}

int tl_keyfile_decode(tl_keyring *kr, const unsigned char *data, size_t len,
                      tl_keyfmt fmt, const char *label, tl_error *err)
{
    parsed_keys pk;
    int rc = -1;

    memset(&pk, 0, sizeof(pk));
    if (label == NULL)
        label = "key file";
    if (len == 0)
        return tl_error_set(err, "%s: the file is empty: no %s ticket keys in it",
                            label, tl_keyfmt_name(fmt));
    switch (fmt) {
    case TL_KEYFMT_LIBTLS:
        rc = parse_libtls(&pk, data, len, label, err);
        break;
    case TL_KEYFMT_NGINX:
    case TL_KEYFMT_ENVOY:
        rc = parse_nginx(&pk, data, len, fmt, label, err);
        break;
    case TL_KEYFMT_HAPROXY:
        rc = parse_haproxy(&pk, data, len, label, err);
        break;
    default:
        return tl_error_set(err, "%s: unknown key file format %d", label, (int)fmt);
    }
    if (rc == 0)
        rc = check_names(kr, &pk, fmt, label, err);
    /* everything was checked above, so these adds cannot fail halfway */
    for (size_t i = 0; rc == 0 && i < pk.n; i++) {
        if (tl_keyring_add_named(kr, &pk.key[i]) != 0)
            rc = tl_error_set(err, "%s: %s", label, tl_keyring_error(kr));
    }
    OPENSSL_cleanse(&pk, sizeof(pk));
    return rc;
}

int tl_keyfile_load(tl_keyring *kr, const char *path, tl_keyfmt fmt,
                    tl_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int rc;

    if (tl_file_read(path, KEYFILE_MAX, &data, &len, err) != 0)
        return -1;
    rc = tl_keyfile_decode(kr, data, len, fmt, path, err);
    tl_wipe_free(data, len + 1);
    return rc;
}

/*
 * Named formats get libtls-style names: htonl(revision) then zeros. In a
 * haproxy file key i also carries i in byte 4, so its 3 names differ and
 * still never collide with another revision's.
 */
static void generated_name(uint32_t revision, size_t index, unsigned char *name)
{
    tl_key_libtls_name(revision, name);
    name[4] = (unsigned char)index;
}

int tl_keyfile_generate(tl_keyfmt fmt, size_t size, uint32_t revision,
                        unsigned char **out, size_t *outlen, tl_error *err)
{
    unsigned char *buf = NULL;
    size_t len;

    *out = NULL;
    *outlen = 0;
    if (fmt == TL_KEYFMT_LIBTLS) {
        buf = malloc(LIBTLS_RECORD_LEN);
        if (buf == NULL)
            return tl_error_set(err, "out of memory");
        buf[0] = (unsigned char)(revision >> 24);
        buf[1] = (unsigned char)(revision >> 16);
        buf[2] = (unsigned char)(revision >> 8);
        buf[3] = (unsigned char)revision;
        tl_rng_bytes(buf + 4, TL_LIBTLS_KEY_LEN);
        *out = buf;
        *outlen = LIBTLS_RECORD_LEN;
        return 0;
    }
    if (size == 0)
        size = 80;
    if (fmt == TL_KEYFMT_ENVOY && size != 80)
        return tl_error_set(err, "envoy keys are 80 bytes, not %zu", size);
    if (size != 48 && size != 80)
        return tl_error_set(err, "%s keys are 48 or 80 bytes, not %zu",
                            tl_keyfmt_name(fmt), size);
    if (fmt == TL_KEYFMT_NGINX || fmt == TL_KEYFMT_ENVOY) {
        buf = malloc(size);
        if (buf == NULL)
            return tl_error_set(err, "out of memory");
        generated_name(revision, 0, buf);
        tl_rng_bytes(buf + TL_KEY_NAME_LEN, size - TL_KEY_NAME_LEN);
        *out = buf;
        *outlen = size;
        return 0;
    }
    if (fmt != TL_KEYFMT_HAPROXY)
        return tl_error_set(err, "unknown key file format %d", (int)fmt);
    {
        /* 3 base64 lines; each line is 4 * ceil(size / 3) characters + '\n' */
        size_t line = 4 * ((size + 2) / 3) + 1;
        unsigned char raw[80];

        len = HAPROXY_KEYS * line;
        buf = malloc(len + 1);
        if (buf == NULL)
            return tl_error_set(err, "out of memory");
        for (size_t i = 0; i < HAPROXY_KEYS; i++) {
            char *b64;

            generated_name(revision, i, raw);
            tl_rng_bytes(raw + TL_KEY_NAME_LEN, size - TL_KEY_NAME_LEN);
            b64 = tl_base64_encode(raw, size);
            if (b64 == NULL || strlen(b64) + 1 != line) {
                OPENSSL_cleanse(raw, sizeof(raw));
                if (b64 != NULL)
                    tl_wipe_free(b64, strlen(b64));
                tl_wipe_free(buf, len + 1);
                return tl_error_set(err, "out of memory");
            }
            memcpy(buf + i * line, b64, line - 1);
            buf[i * line + line - 1] = '\n';
            tl_wipe_free(b64, line - 1);
        }
        OPENSSL_cleanse(raw, sizeof(raw));
        *out = buf;
        *outlen = len;
        return 0;
    }
}
