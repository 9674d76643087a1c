/* ecivm-init's SETTINGS message checks against golden cases: each input is
 * a control body ("key=value" lines, as on the wire). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-golden.h"
#include "settings.h"

#define SUBDIR "guest-settings"

static void golden_case(const char *subdir, const char *name)
{
        static struct wire_control m;
        static struct guest_settings g;
        static uint8_t frame[5 + WIRE_CONTROL_MAX_BODY + 1];
        static char out[3 * WIRE_SETTINGS_TEXT_MAX];
        char rel[256], members[WIRE_SETTINGS_TEXT_MAX];
        const char *why;
        char *input;
        size_t len;

        snprintf(rel, sizeof(rel), "%s/%s.body", subdir, name);
        input = guest_golden_read(rel);
        assert_non_null(input);
        len = strlen(input);
        assert_true(len <= WIRE_CONTROL_MAX_BODY);
        frame[0] = WIRE_V_SETTINGS;
        memset(frame + 1, 0, 4);
        memcpy(frame + 5, input, len);
        free(input);
        assert_int_equal(wire_control_decode(frame, 5 + len, &m), 0);
        memset(&g, 0, sizeof(g));
        why = settings_parse(&m, &g);
        if (strncmp(name, "refuse-", 7) == 0)
                assert_non_null(why);
        else if (why)
                fail_msg("case %s must be accepted but: %s", name, why);
        if (why)
                snprintf(out, sizeof(out), "error: %s\n", why);
        else
                snprintf(out, sizeof(out), "digest=%s\ndaemon.json members=%s\neci.json=%s\n", g.digest,
                         settings_object_members(g.daemon_options, members, sizeof(members)), g.eci_json);
        assert_int_equal(g.received, why == NULL);
        snprintf(rel, sizeof(rel), "%s/%s.out", subdir, name);
        guest_golden_compare(rel, out);
}

static void test_members(void **state)
{
        char buf[8];

        (void) state;
        assert_string_equal(settings_object_members("{}", buf, sizeof(buf)), "");
        assert_string_equal(settings_object_members("{\"a\":1}", buf, sizeof(buf)), "\"a\":1");
        assert_null(settings_object_members("{\"abcdefgh\":1}", buf, sizeof(buf)));
        assert_null(settings_object_members("[]", buf, sizeof(buf)));
        assert_null(settings_object_members("{", buf, sizeof(buf)));
        assert_null(settings_object_members("", buf, sizeof(buf)));
}

int main(void)
{
        static const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_members),
        };

        return guest_golden_run("guest-settings", fixed, sizeof(fixed) / sizeof(fixed[0]), SUBDIR, ".body",
                                golden_case, 10);
}
