/* The host/guest contract's tables.  See contract.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"

const struct wire_cmdline_key_info wire_cmdline_keys[WIRE_CMDLINE_N_KEYS] = {
#define WIRE_X_(id, name, type, meaning) [WIRE_CMDLINE_##id] = { name, type, meaning },
        WIRE_CMDLINE_KEYS(WIRE_X_)
#undef WIRE_X_
};

const struct wire_evidence_member_info wire_evidence_members[WIRE_EVIDENCE_N_MEMBERS] = {
#define WIRE_X_(id, key, json, type, meaning) [WIRE_EVIDENCE_##id] = { key, json, type, meaning },
        WIRE_EVIDENCE_FIELDS(WIRE_X_)
#undef WIRE_X_
#define WIRE_X_(id, json, meaning) [WIRE_EVIDENCE_##id] = { NULL, json, WIRE_EVIDENCE_TYPE_DERIVED, meaning },
        WIRE_EVIDENCE_DERIVED(WIRE_X_)
#undef WIRE_X_
};

const struct wire_settings_key_info wire_settings_keys[WIRE_SETTINGS_N_KEYS] = {
#define WIRE_X_(id, key, type, meaning) [WIRE_SETTINGS_##id] = { key, type, meaning },
        WIRE_SETTINGS_KEYS(WIRE_X_)
#undef WIRE_X_
};

const struct wire_guest_path_info wire_guest_paths[WIRE_GUEST_N_PATHS] = {
#define WIRE_X_(id, users, meaning) [WIRE_GUEST_PATH_##id] = { #id, WIRE_PATH_##id, users, meaning },
        WIRE_GUEST_PATHS(WIRE_X_)
#undef WIRE_X_
};

int wire_cmdline_key_lookup(const char *name, size_t len)
{
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++)
                if (strlen(wire_cmdline_keys[k].name) == len && memcmp(wire_cmdline_keys[k].name, name, len) == 0)
                        return k;
        return -1;
}

int wire_evidence_hex_key(char *out, size_t cap, const char *key, unsigned index, int is_chunk)
{
        int n = is_chunk ? snprintf(out, cap, "%s.%u", key, index) : snprintf(out, cap, "%s_len", key);

        return n > 0 && (size_t) n < cap ? 0 : -EINVAL;
}
