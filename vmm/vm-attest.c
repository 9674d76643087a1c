/* Attestation for the running VM: a per-boot instance UUID, EVIDENCE
 * requests to the guest (matched by request id, 10 s deadline), and the
 * document signed with the host attestation key (attest.h).  Requests with
 * the nonce of one in flight share its EVIDENCE request and its document
 * (one guest round trip, one signature): a flood costs one of each. */
#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <uuid/uuid.h>

#include "attest.h"
#include "error.h"
#include "sign.h"
#include "vm-priv.h"

#define EVIDENCE_TIMEOUT_S 10

typedef struct {
        EcivmVm *vm;
        guint handle;
        guint32 request_id;
        char *nonce;
        guint timer;
        EcivmVmAttestFunc func;
        gpointer user;
} Pending;

struct _EcivmVmAttest {
        char instance[37];
        gint64 boot_time_us;
        GPtrArray *pending; /* Pending * */
        guint next_handle;
};

static void pending_free(gpointer p)
{
        Pending *r = p;

        g_clear_handle_id(&r->timer, g_source_remove);
        g_free(r->nonce);
        g_free(r);
}

static struct _EcivmVmAttest *state(EcivmVm *vm)
{
        if (!vm->attest) {
                vm->attest = g_new0(struct _EcivmVmAttest, 1);
                vm->attest->pending = g_ptr_array_new_with_free_func(pending_free);
        }
        return vm->attest;
}

void ecivm_vm_attest_new_boot(EcivmVm *vm)
{
        struct _EcivmVmAttest *a = state(vm);
        uuid_t u;

        uuid_generate(u);
        uuid_unparse_lower(u, a->instance);
        a->boot_time_us = g_get_real_time();
}

/* Removes R from the pending set and answers its caller once. */
static void finish(Pending *r, JsonNode *result, const GError *error)
{
        EcivmVmAttestFunc func = r->func;
        gpointer user = r->user;
        EcivmVm *vm = r->vm;

        g_ptr_array_remove(vm->attest->pending, r); /* frees R */
        func(vm, result, error, user);
}

static gboolean on_timeout(gpointer user)
{
        Pending *r = user;
        g_autoptr(GError) error = g_error_new(ECIVM_ERROR, ECIVM_ERROR_IO,
                                              "guest evidence: no answer from the guest within %d s",
                                              EVIDENCE_TIMEOUT_S);

        r->timer = 0;
        finish(r, NULL, error);
        return G_SOURCE_REMOVE;
}

guint ecivm_vm_attest(EcivmVm *vm, const char *nonce, EcivmVmAttestFunc func, gpointer user, GError **error)
{
        struct _EcivmVmAttest *a = state(vm);
        struct wire_control c = { .verb = WIRE_V_EVIDENCE };
        g_autofree char *lower = g_ascii_strdown(nonce ? nonce : "", -1);
        Pending *r, *same = NULL;

        if (!ecivm_attest_nonce_check(lower, "nonce", error))
                return 0;
        if ((vm->state != ECIVM_VM_READY && vm->state != ECIVM_VM_DEGRADED) || !vm->image ||
            !vm->image->event_log || a->instance[0] == '\0') {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "the VM is %s: attestation needs a ready VM",
                            ecivm_vm_state_name(vm->state));
                return 0;
        }
        for (guint i = 0; i < a->pending->len && !same; i++)
                if (g_str_equal(((Pending *) a->pending->pdata[i])->nonce, lower))
                        same = a->pending->pdata[i];
        if (same) {
                c.id = same->request_id; /* coalesced: answered with SAME's document */
        } else if (wire_control_add(&c, WIRE_EVIDENCE_KEY(NONCE), lower) < 0 || !ecivm_vm_send_request(vm, &c)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "guest evidence: the control channel is down");
                return 0;
        }
        r = g_new0(Pending, 1);
        r->vm = vm;
        r->handle = ++a->next_handle ? a->next_handle : ++a->next_handle;
        r->request_id = c.id;
        r->nonce = g_steal_pointer(&lower);
        r->func = func;
        r->user = user;
        r->timer = g_timeout_add_seconds(EVIDENCE_TIMEOUT_S, on_timeout, r);
        g_ptr_array_add(a->pending, r);
        return r->handle;
}

void ecivm_vm_attest_abandon(EcivmVm *vm, guint handle)
{
        for (guint i = 0; vm->attest && i < vm->attest->pending->len; i++)
                if (((Pending *) vm->attest->pending->pdata[i])->handle == handle) {
                        g_ptr_array_remove_index(vm->attest->pending, i);
                        return;
                }
}

void ecivm_vm_attest_cancel_all(EcivmVm *vm, const char *reason)
{
        g_autoptr(GError) error = g_error_new(ECIVM_ERROR, ECIVM_ERROR_STATE, "guest evidence: %s", reason);

        while (vm->attest && vm->attest->pending->len > 0)
                finish(vm->attest->pending->pdata[0], NULL, error);
}

void ecivm_vm_attest_free(EcivmVm *vm)
{
        if (!vm->attest)
                return;
        g_ptr_array_unref(vm->attest->pending);
        g_clear_pointer(&vm->attest, g_free);
}

/* The attestation key: --attest-key, else <state>/attest.key, generated on
 * first use (0600).  <state>/attest.pub always holds its public half. */
static char *attest_key(EcivmVm *vm, char **ret_pub, GError **error)
{
        g_autofree char *key = vm->config.attest_key ? g_strdup(vm->config.attest_key)
                                                     : g_build_filename(vm->config.state_dir, "attest.key", NULL);
        g_autofree char *pub = g_build_filename(vm->config.state_dir, "attest.pub", NULL);
        g_autofree char *pem = NULL, *old = NULL;

        if (!vm->config.attest_key && !g_file_test(key, G_FILE_TEST_EXISTS)) {
                (void) g_unlink(pub);
                if (!ecivm_sign_keygen(vm->config.state_dir, "attest", error))
                        return NULL;
                g_message("attest: generated the attestation key %s", key);
        }
        pem = ecivm_sign_public_pem(key, error);
        if (!pem)
                return NULL;
        if ((!g_file_get_contents(pub, &old, NULL, NULL) || strcmp(old, pem) != 0) &&
            !g_file_set_contents_full(pub, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
                return NULL;
        *ret_pub = g_steal_pointer(&pub);
        return g_steal_pointer(&key);
}

static JsonNode *build_document(EcivmVm *vm, Pending *r, JsonNode *evidence, GError **error)
{
        g_autofree char *pub = NULL, *key = attest_key(vm, &pub, error);
        g_autofree char *key_id = NULL, *composite = NULL, *payload = NULL, *sig = NULL;
        g_autoptr(JsonNode) log = NULL;
        g_autoptr(JsonBuilder) b = json_builder_new();
        EcivmAttestPayload p;

        if (!key || !(key_id = ecivm_sign_key_id(key, error)))
                return NULL;
        log = ecivm_event_log_to_json(vm->image->event_log);
        composite = ecivm_event_log_composite(vm->image->event_log);
        p = (EcivmAttestPayload) {
                .instance = vm->attest->instance, .boot_time_us = vm->attest->boot_time_us,
                .issued_at_us = g_get_real_time(), .nonce = r->nonce, .manifest_signer = vm->image->signer,
                .manifest_sha256 = vm->image->manifest_sha256, .event_log = log, .composite = composite,
                .evidence = evidence,
        };
        payload = ecivm_attest_payload_build(&p);
        sig = ecivm_sign_data(key, payload, strlen(payload), error);
        if (!sig)
                return NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "document");
        json_builder_add_value(b, ecivm_attest_envelope(payload, sig, key_id));
        json_builder_set_member_name(b, "publicKey");
        json_builder_add_string_value(b, pub);
        json_builder_set_member_name(b, "keyId");
        json_builder_add_string_value(b, key_id);
        json_builder_set_member_name(b, "instance");
        json_builder_add_string_value(b, vm->attest->instance);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

void ecivm_vm_attest_evidence_reply(EcivmVm *vm, const struct wire_control *c)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) evidence = NULL, result = NULL;
        g_autoptr(GPtrArray) waiting = g_ptr_array_new();
        Pending *r;

        for (guint i = 0; vm->attest && i < vm->attest->pending->len; i++)
                if (((Pending *) vm->attest->pending->pdata[i])->request_id == c->id)
                        g_ptr_array_add(waiting, vm->attest->pending->pdata[i]);
        if (!vm->attest || waiting->len == 0) {
                g_warning("guest evidence for unknown request %u: ignored", c->id);
                return;
        }
        r = waiting->pdata[0];
        evidence = ecivm_attest_evidence_from_wire(c, &error);
        if (evidence && g_strcmp0(wire_control_get(c, WIRE_EVIDENCE_KEY(NONCE)), r->nonce) != 0)
                g_set_error(&error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "guest evidence: the guest echoed another nonce");
        if (!error)
                result = build_document(vm, r, evidence, &error);
        /* finish() frees each: the callbacks cannot add to or take from WAITING */
        for (guint i = 0; i < waiting->len; i++)
                finish(waiting->pdata[i], result, error);
}
