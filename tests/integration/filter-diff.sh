#!/bin/bash
# The Engine API filter against dockerd itself (TAP, one VM boot).  Every
# golden create, update and volume-create case of tests/unit/golden/api-filter/
# (default policy, Content-Length framing) is sent with curl to the host socket:
# - deny-*: the golden's status (400: dockerd could read the body otherwise;
#   403: a rule) and its exact "ecivm: ..." message;
# - allow-*: dockerd executes it, and docker inspect shows exactly the golden's
#   "view:" line, the filter's own reading of the body (PidMode, NetworkMode,
#   UTSMode, UsernsMode, Privileged, Binds, VolumeDriver, Mounts; a volume's
#   driver and options).
# Then dockerd's own case folding is shown live on fields the filter does not
# read (the reason the filter refuses non-exact keys of those it does).
. "$(dirname "$0")/lib.sh"
require_image
vm_lock
GOLDEN=$top_srcdir/tests/unit/golden/api-filter
CREATE_FORMAT='PidMode={{.HostConfig.PidMode}} NetworkMode={{.HostConfig.NetworkMode}} UTSMode={{.HostConfig.UTSMode}} UsernsMode={{.HostConfig.UsernsMode}} Privileged={{.HostConfig.Privileged}} Binds={{json .HostConfig.Binds}} VolumeDriver={{.HostConfig.VolumeDriver}} Mounts={{range .HostConfig.Mounts}}{{.Type}}:{{.Source}};{{end}}'
VOLUME_FORMAT='Driver={{.Driver}} Options={{json .Options}}'

# post PATH BODY-FILE: the status in $status, the answer in $T/resp
post() {
        status=$(curl -sS --unix-socket "$DOCKER_SOCK" -o "$T/resp" -w '%{http_code}' -X POST \
                -H 'Content-Type: application/json' --data-binary @"$2" "http://docker$1" 2>"$T/curl.err")
}

# the case's request path and body, or nothing for cases this test cannot send
request_of() {
        local http=$1
        head -1 "$http" | grep -q '^#policy' && return 1
        grep -q 'Transfer-Encoding' "$http" && return 1
        grep -q $'\r' "$http" && return 1
        path=$(head -1 "$http" | awk '{print $2}')
        sed '1,/^$/d' "$http" >"$T/body"
}

denied_case() { # NAME STATUS MESSAGE
        local got
        got=$(jq -r .message <"$T/resp" 2>/dev/null)
        if [ "$status" = "$2" ] && [ "$got" = "ecivm: $3" ]; then
                ok "$1: $2 $3"
        else
                not_ok "$1: got $status '$got', want $2 'ecivm: $3'"
        fi
}

allowed_create() { # NAME VIEW
        local id got want=${2//container:ecivm-diff/container:$DIFF_ID} # dockerd stores the ID
        id=$(jq -r .Id <"$T/resp" 2>/dev/null)
        if [ "$status" != 201 ] || [ -z "$id" ] || [ "$id" = null ]; then
                not_ok "$1: dockerd answered $status: $(head -c 300 "$T/resp")"
                return
        fi
        got=$(docker inspect --format "$CREATE_FORMAT" "$id" 2>&1)
        [ "$got" = "$want" ] && ok "$1: dockerd made what the filter read ($2)" ||
                not_ok "$1: dockerd made '$got', the filter read '$2'"
        docker rm -v "$id" >/dev/null 2>&1
}

allowed_volume() { # NAME VIEW
        local name got
        name=$(jq -r .Name <"$T/resp" 2>/dev/null)
        if [ "$status" != 201 ] || [ -z "$name" ] || [ "$name" = null ]; then
                not_ok "$1: dockerd answered $status: $(head -c 300 "$T/resp")"
                return
        fi
        got=$(docker volume inspect --format "$VOLUME_FORMAT" "$name" 2>&1)
        [ "$got" = "$2" ] && ok "$1: dockerd made what the filter read ($2)" ||
                not_ok "$1: dockerd made '$got', the filter read '$2'"
        docker volume rm "$name" >/dev/null 2>&1
}

one_case() { # NAME: send it, judge the answer by the golden .out
        local name=$1 out=$GOLDEN/$1.out verdict view
        verdict=$(grep -E '^(allow|deny [0-9]+: )' "$out")
        view=$(sed -n 's/^view: //p' "$out")
        post "$path" "$T/body"
        case "$verdict" in
        deny*) denied_case "$name" "$(echo "$verdict" | sed 's/^deny \([0-9]*\): .*/\1/')" "${verdict#deny *: }" ;;
        allow)
                case "$path" in
                */update) [ "$status" = 200 ] && ok "$name: dockerd updated" ||
                        not_ok "$name: dockerd answered $status: $(head -c 300 "$T/resp")" ;;
                */volumes/create) allowed_volume "$name" "$view" ;;
                *) allowed_create "$name" "$view" ;;
                esac
                ;;
        *) not_ok "$name: no verdict in $out" ;;
        esac
}

check "ecivm up" "$ECIVM" up
check "docker import bb" docker import "$BB_TAR" bb
check "a container for the update and shared-namespace cases" docker create --name ecivm-diff bb true
DIFF_ID=$(docker inspect --format '{{.Id}}' ecivm-diff 2>/dev/null)

sent=0
skipped=0
for http in "$GOLDEN"/{allow,deny}-{create,update,volume}-*.http; do
        name=$(basename "$http" .http)
        if ! request_of "$http"; then
                skipped=$((skipped + 1))
                continue
        fi
        sent=$((sent + 1))
        one_case "$name"
done
diag "$sent golden cases sent, $skipped skipped (a #policy line or chunked framing)"
[ "$sent" -ge 90 ] && ok "at least 90 golden cases went to dockerd" || not_ok "only $sent golden cases sent"

# Go folds the keys of structs the filter does not read: dockerd applies them.
request_of "$GOLDEN/allow-create-unread-struct-folded.http"
post "$path" "$T/body"
id=$(jq -r .Id <"$T/resp" 2>/dev/null)
got=$(docker inspect --format '{{.HostConfig.LogConfig.Type}} {{json .HostConfig.Ulimits}}' "$id" 2>&1)
[ "$got" = 'none [{"Name":"nofile","Hard":2048,"Soft":1024}]' ] &&
        ok "dockerd reads \"type\", \"name\", \"HARD\" and \"\\u017foft\" as Type, Name, Hard and Soft" ||
        not_ok "dockerd's folding: got '$got'"
docker rm "$id" >/dev/null 2>&1

check "the connection pool still serves requests after the refusals" docker ps -a
check "docker run still works" docker run --rm bb true
check "ecivm down" "$ECIVM" down
finish
