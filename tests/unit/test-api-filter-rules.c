/* The Engine API filter's rules one by one (vmm/api-filter.c), each with the
 * exact refusal and the request next to it that must pass: the boundaries the
 * golden requests in test-api-filter leave open (found by mutants, see
 * tests/mutation/mutants.txt). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "api-filter.h"
#include "http-parse.h"

#define NS_RULE ": containers cannot share namespaces with the VM"
#define VM_PATH_RULE(path)                                                                               \
        "mounting " path " is not allowed: containers may only mount volumes (every path is the VM's: there is " \
        "no host file sharing)"
#define SOCKET_RULE(src)                                                                                           \
        "mounting " src " is not allowed: the engine's sockets can only be mounted into allow-listed images "    \
        "(enhancedContainerIsolation.dockerSocketMount)"
#define ENTITLEMENTS_RULE "build entitlements network.host and security.insecure are not allowed"
#define LOAD_RULE "docker load is blocked by the administrator (blockDockerLoad)"

static const EcivmApiPolicy eci_on = { .eci = TRUE };

/* The filter's answer to "METHOD TARGET" with BODY (NULL: none): NULL to
 * allow, else the refusal. */
static char *decide(const EcivmApiPolicy *p, EcivmApiOrigin origin, const char *method, const char *target,
                    const char *body)
{
        g_autofree char *req = g_strdup_printf("%s %s HTTP/1.1\r\nHost: docker\r\nContent-Length: %zu\r\n\r\n", method,
                                               target, body ? strlen(body) : 0);
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmHttpHead) h = ecivm_http_parse_request(req, strlen(req), &error);
        int status = 0;

        if (h == NULL)
                fail_msg("%s %s: %s", method, target, error->message);
        return ecivm_api_filter_check(p, origin, h, body, body ? strlen(body) : 0, &status);
}

static void assert_denied(char *why, const char *expected)
{
        if (why == NULL)
                fail_msg("allowed, expected the refusal \"%s\"", expected);
        assert_string_equal(why, expected);
        g_free(why);
}

static void assert_allowed(char *why)
{
        if (why != NULL)
                fail_msg("refused (\"%s\"), expected to pass", why);
}

static char *create(const EcivmApiPolicy *p, const char *body)
{
        return decide(p, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/containers/create", body);
}

static void test_build_entitlements(void **state)
{
        const EcivmApiPolicy eci_off = { .eci = FALSE };

        assert_denied(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/build?t=x&entitlements=security.insecure",
                             NULL),
                      ENTITLEMENTS_RULE);
        assert_denied(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/build?entitlements=network.host", NULL),
                      ENTITLEMENTS_RULE);
        assert_allowed(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/build?t=x", NULL));
        /* an ECI rule: off, the build is dockerd's business */
        assert_allowed(decide(&eci_off, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/build?entitlements=security.insecure",
                              NULL));
}

static void test_build_network_host(void **state)
{
        const char *rule = "docker build --network=host is not allowed: builds cannot use the VM's network";

        assert_denied(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/build?networkmode=host", NULL), rule);
        assert_denied(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/build?networkmode=Host", NULL), rule);
        assert_allowed(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/build?networkmode=bridge", NULL));
}

static void test_device_cgroup_rules(void **state)
{
        const char *rule = "--device-cgroup-rule is not allowed: containers cannot use the VM's devices";

        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"DeviceCgroupRules\":[\"c 1:3 rwm\"]}}"),
                      rule);
        assert_denied(decide(&eci_on, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/containers/abc/update",
                             "{\"DeviceCgroupRules\":[\"b 254:0 rwm\"]}"),
                      rule);
        assert_allowed(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"DeviceCgroupRules\":[]}}"));
}

static void test_devices(void **state)
{
        const char *rule = "--device is not allowed: containers cannot use the VM's devices";

        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/vda\","
                                      "\"PathInContainer\":\"/dev/vda\",\"CgroupPermissions\":\"rwm\"}]}}"),
                      rule);
        assert_allowed(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Devices\":[]}}"));
}

/* blockDockerLoad holds for every origin, with or without ECI. */
static void test_block_load(void **state)
{
        const EcivmApiPolicy block = { .eci = TRUE, .block_docker_load = TRUE };
        const EcivmApiPolicy block_no_eci = { .eci = FALSE, .block_docker_load = TRUE };

        assert_denied(decide(&block, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/images/load?quiet=1", "tar"), LOAD_RULE);
        assert_denied(decide(&block, ECIVM_API_ORIGIN_CONTAINER, "POST", "/v1.43/images/load", "tar"), LOAD_RULE);
        assert_denied(decide(&block_no_eci, ECIVM_API_ORIGIN_CONTAINER, "POST", "/images/load", "tar"), LOAD_RULE);
        assert_allowed(decide(&eci_on, ECIVM_API_ORIGIN_CONTAINER, "POST", "/v1.43/images/load", "tar"));
        assert_allowed(decide(&block, ECIVM_API_ORIGIN_CONTAINER, "GET", "/v1.43/images/json", NULL));
}

/* dockerd takes a Mounts entry without "Type" as a bind. */
static void test_mounts_without_type(void **state)
{
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Mounts\":[{\"Source\":\"/run/docker.sock\","
                                      "\"Target\":\"/s\"}]}}"),
                      SOCKET_RULE("/run/docker.sock"));
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\","
                                      "\"Source\":\"/var/run/docker.sock\",\"Target\":\"/s\"}]}}"),
                      SOCKET_RULE("/var/run/docker.sock"));
        /* any other path of the VM, typed or not, is refused as a bind */
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Mounts\":[{\"Source\":\"/srv/data\","
                                      "\"Target\":\"/d\"}]}}"),
                      VM_PATH_RULE("/srv/data"));
        assert_allowed(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\","
                                       "\"Source\":\"data\",\"Target\":\"/d\"}]}}"));
}

/* The socket-mount allow-list: only listed images, "name:*" is name plus any
 * tag or digest, never another name with the same prefix. */
static void test_allow_list(void **state)
{
        char *images[] = { "docker.io/testcontainers/ryuk:*", NULL };
        const EcivmApiPolicy p = { .eci = TRUE, .images = images };
        const char *bind = "\"HostConfig\":{\"Binds\":[\"/var/run/docker.sock:/var/run/docker.sock\"]}}";
        g_autofree char *listed = g_strdup_printf("{\"Image\":\"testcontainers/ryuk:0.5.1\",%s", bind);
        g_autofree char *prefix = g_strdup_printf("{\"Image\":\"testcontainers/ryukx:0.5.1\",%s", bind);
        g_autofree char *other = g_strdup_printf("{\"Image\":\"alpine\",%s", bind);

        assert_allowed(create(&p, listed));
        assert_denied(create(&p, prefix), SOCKET_RULE("/var/run/docker.sock"));
        assert_denied(create(&p, other), SOCKET_RULE("/var/run/docker.sock"));
        assert_denied(create(&eci_on, listed), SOCKET_RULE("/var/run/docker.sock"));
}

/* The run directories that hold the sockets, and nothing beside them. */
static void test_engine_directories(void **state)
{
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Binds\":[\"/run:/r\"]}}"),
                      SOCKET_RULE("/run"));
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Binds\":[\"/var/run/:/r\"]}}"),
                      SOCKET_RULE("/var/run/"));
        /* beside them: still paths of the VM, refused by the allow-list */
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Binds\":[\"/run/user:/r\"]}}"),
                      VM_PATH_RULE("/run/user"));
        assert_denied(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Binds\":[\"/srv:/r\"]}}"),
                      VM_PATH_RULE("/srv"));
        assert_allowed(create(&eci_on, "{\"Image\":\"alpine\",\"HostConfig\":{\"Binds\":[\"srv:/r\"]}}"));
}

static void test_host_modes(void **state)
{
        static const char *const modes[][2] = {
                { "PidMode", "--pid=host" },     { "NetworkMode", "--network=host" },
                { "IpcMode", "--ipc=host" },     { "UTSMode", "--uts=host" },
                { "CgroupnsMode", "--cgroupns=host" }, { "UsernsMode", "--userns=host" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
                g_autofree char *host =
                        g_strdup_printf("{\"Image\":\"alpine\",\"HostConfig\":{\"%s\":\"host\"}}", modes[i][0]);
                g_autofree char *own =
                        g_strdup_printf("{\"Image\":\"alpine\",\"HostConfig\":{\"%s\":\"container:abc\"}}", modes[i][0]);
                g_autofree char *rule = g_strdup_printf("%s is not allowed" NS_RULE, modes[i][1]);

                assert_denied(create(&eci_on, host), rule);
                assert_allowed(create(&eci_on, own));
        }
}

/* commandList binds containers holding the socket, never the host's CLI. */
static void test_command_list(void **state)
{
        char *deny_cmds[] = { "image*", "push", NULL };
        char *allow_cmds[] = { "container_ls", "version", NULL };
        const EcivmApiPolicy deny = { .eci = TRUE, .command_list_type = ECIVM_COMMAND_LIST_DENY,
                                      .commands = deny_cmds };
        const EcivmApiPolicy allow = { .eci = TRUE, .command_list_type = ECIVM_COMMAND_LIST_ALLOW,
                                       .commands = allow_cmds };
        const EcivmApiOrigin c = ECIVM_API_ORIGIN_CONTAINER;

        assert_denied(decide(&deny, c, "POST", "/v1.43/images/create?fromImage=alpine", NULL),
                      "enhanced container isolation: docker command \"/v1.43/images/create?fromImage=alpine\" is "
                      "blocked");
        assert_denied(decide(&deny, c, "POST", "/v1.43/images/x/push", NULL),
                      "enhanced container isolation: docker command \"/v1.43/images/x/push\" is blocked");
        assert_allowed(decide(&deny, c, "GET", "/v1.43/containers/json", NULL));
        assert_allowed(decide(&deny, ECIVM_API_ORIGIN_HOST, "POST", "/v1.43/images/create?fromImage=alpine", NULL));

        assert_allowed(decide(&allow, c, "GET", "/v1.43/containers/json", NULL));
        assert_allowed(decide(&allow, c, "GET", "/v1.43/version", NULL));
        assert_allowed(decide(&allow, c, "GET", "/_ping", NULL));
        assert_denied(decide(&allow, c, "GET", "/v1.43/images/json", NULL),
                      "enhanced container isolation: docker command \"/v1.43/images/json\" is blocked");
        assert_allowed(decide(&allow, ECIVM_API_ORIGIN_HOST, "GET", "/v1.43/images/json", NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build_entitlements), cmocka_unit_test(test_build_network_host),
                cmocka_unit_test(test_device_cgroup_rules), cmocka_unit_test(test_devices),
                cmocka_unit_test(test_block_load),          cmocka_unit_test(test_mounts_without_type),
                cmocka_unit_test(test_allow_list),          cmocka_unit_test(test_engine_directories),
                cmocka_unit_test(test_host_modes),          cmocka_unit_test(test_command_list),
        };

        return cmocka_run_group_tests_name("api-filter-rules", tests, NULL, NULL);
}
