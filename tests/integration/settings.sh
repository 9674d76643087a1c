#!/bin/bash
# Admin-locked settings and the Engine API filter on the real VM (TAP): locked
# keys and weakening dockerd options are refused, effective settings reach
# the guest, and the stock docker CLI's forbidden requests get a 403 naming
# the rule through the host socket while ordinary ones still work.
. "$(dirname "$0")/lib.sh"
require_image
vm_lock

admin_settings <<'JSON'
{"configurationFileVersion": 2,
 "enhancedContainerIsolation": {"locked": true, "value": true,
   "dockerSocketMount": {"imageList": {"images": ["docker.io/testcontainers/ryuk:*"], "allowDerivedImages": false}}},
 "blockDockerLoad": {"locked": true, "value": true},
 "memoryMiB": {"locked": true, "value": 1280}}
JSON

check "ecivm up with an admin settings file" "$ECIVM" up
refused() { # refused DESCRIPTION EXPECTED-TEXT COMMAND...
        local d=$1 want=$2
        shift 2
        if "$@" >"$T/out" 2>&1; then
                not_ok "$d (accepted)"
        elif grep -qF -- "$want" "$T/out"; then
                ok "$d"
        else
                not_ok "$d (message)"
                sed 's/^/# /' "$T/out" | tail -5
        fi
}
refused "a locked key cannot be changed" "memoryMiB is locked by the administrator" \
        "$ECIVM" settings set memoryMiB 2048
refused "ECI locked on cannot be turned off" "enhancedContainerIsolation is locked by the administrator" \
        "$ECIVM" settings set enhancedContainerIsolation false
refused "dockerd options that weaken isolation are refused" '"runtimes" is not allowed' \
        "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"runtimes":{"x":{"path":"/bin/sh"}}}'
refused "an engine endpoint on TCP is refused" '"hosts" is not allowed' \
        "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"hosts":["tcp://0.0.0.0:2375"]}'
# dockerd matches daemon.json names case-insensitively: "Entitlements" turns
# on RUN --security=insecure as well as "entitlements" does
refused "the security.insecure build entitlement is refused, in any spelling" \
        '"builder" is not allowed: builder entitlements (network.host, security.insecure) would weaken isolation' \
        "$ECIVM" settings set linuxVM.dockerDaemonOptions '{"builder":{"Entitlements":{"security-insecure":true}}}'
check "an unlocked key can be set" "$ECIVM" settings set cpus 1
"$ECIVM" settings show --json >"$T/show.json" 2>&1
grep -q '"restartNeeded" : true' "$T/show.json" && ok "settings show says a restart applies the change" ||
        not_ok "restartNeeded not reported"
# down + up rather than restart: a CLI-started ecivmd exits once its VM is stopped
check "ecivm down" "$ECIVM" down
check "ecivm up applies the settings" "$ECIVM" up

read -r ncpu mem < <(docker info --format '{{.NCPU}} {{.MemTotal}}' 2>&1)
diag "guest: NCPU=$ncpu MemTotal=$mem"
[ "$ncpu" = 1 ] && ok "user cpus=1 reached the guest" || not_ok "NCPU $ncpu, want 1"
if [ -n "$mem" ] && [ "$mem" -gt $((1000 * 1048576)) ] && [ "$mem" -le $((1280 * 1048576)) ]; then
        ok "locked memoryMiB=1280 reached the guest"
else
        not_ok "MemTotal $mem is not about 1280 MiB"
fi

check "docker import still works" docker import "$BB_TAR" bb
check "docker run still works" docker run --rm bb echo hello
refused "docker run --pid=host is refused with the rule" \
        "ecivm: --pid=host is not allowed: containers cannot share namespaces with the VM" \
        docker run --rm --pid=host bb true
refused "docker run --network=host is refused" "--network=host is not allowed" docker run --rm --network=host bb true
refused "mounting the Docker socket is refused" "mounting /var/run/docker.sock is not allowed" \
        docker run --rm -v /var/run/docker.sock:/var/run/docker.sock bb true
mkdir -p "$T/ctx" && printf 'FROM bb\nRUN true\n' >"$T/ctx/Dockerfile"
refused "docker build --network=host is refused" "docker build --network=host is not allowed" \
        env DOCKER_BUILDKIT=0 "$DOCKER_BIN" -H "unix://$DOCKER_SOCK" build --network=host "$T/ctx"
refused "docker load is refused when blockDockerLoad is locked on" "docker load is blocked by the administrator" \
        docker load -i "$BB_TAR"
check "the connection pool still serves requests after refusals" docker ps -a
out=$(echo piped | docker run --rm -i bb cat 2>&1)
[ "$out" = piped ] && ok "docker run -i streams through the filter" || not_ok "docker run -i gave '$out'"

check "ecivm down" "$ECIVM" down
finish
