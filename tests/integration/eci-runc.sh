#!/bin/bash
# ECI on the image users boot (images/out): every container goes through
# ecivm-runc.  uid_map ranges (Docker's own ECI check), the runtime name,
# ranges returned on rm, kept on restart, exec in range, refusal messages,
# then the escape battery of eci-lib.sh: each attempt refused or confined
# (eci-plain.sh proves each one works under the real runc).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/eci-lib.sh"
require_image
vm_lock

up_out=$("$ECIVM" up --accel=tcg 2>&1) || { echo "$up_out" | sed 's/^/# /'; bail "ecivm up failed"; }
ok "ecivm up"
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"

rt=$(docker info --format '{{.DefaultRuntime}} {{json .Runtimes}}' 2>&1)
case $rt in
runc*plain-runc*) not_ok "the image users boot has the plain-runc test runtime: $rt" ;;
runc*) ok "default runtime is runc (= ecivm-runc) and no plain runtime: $rt" ;;
*) not_ok "docker info runtimes: $rt" ;;
esac
out=$(docker run --rm --runtime=crun bb true 2>&1)
[[ $out == *"Unknown runtime specified crun"* ]] && ok "--runtime=crun fails" || not_ok "--runtime=crun: $out"

m1=$(docker run --name u1 -d bb sleep 600 && docker exec u1 cat /proc/self/uid_map | tr -s ' ')
m2=$(docker run --rm bb cat /proc/self/uid_map | tr -s ' ')
[[ $m1 == *" 0 100000 65536" ]] && ok "first container: uid_map 0 100000 65536" || not_ok "first uid_map: $m1"
[ "$m2" = " 0 165536 65536" ] && ok "next container: uid_map 0 165536 65536" || not_ok "second uid_map: $m2"
[ "$(docker inspect --format '{{.HostConfig.Runtime}}' u1)" = runc ] && ok "docker inspect shows runtime runc (ecivm-runc)" ||
        not_ok "inspect runtime"
e=$(docker exec u1 sh -c 'id -u; cat /proc/self/uid_map' | tr -s ' ' | tr '\n' ' ')
[ "$e" = "0  0 100000 65536 " ] && ok "docker exec stays in the container's range" || not_ok "exec: $e"
w=$(docker exec u1 sh -c 'ls -ln /etc/passwd | awk "{print \$3}"; echo x >>/etc/passwd && echo wrote' | tr '\n' ' ')
[ "$w" = "0 wrote " ] && ok "image files appear root-owned and writable by the container's root" || not_ok "rootfs: $w"
docker restart u1 >/dev/null
r=$(docker exec u1 cat /proc/self/uid_map | tr -s ' ')
[ "$r" = " 0 100000 65536" ] && ok "docker restart keeps the range" || not_ok "after restart: $r"
docker rm -f u1 >/dev/null
m3=$(docker run --rm bb cat /proc/self/uid_map | tr -s ' ')
[ "$m3" = " 0 100000 65536" ] && ok "docker rm returns the range" || not_ok "after rm: $m3"
u=$(docker run --rm --userns=host bb cat /proc/self/uid_map | tr -s ' ')
[[ $u == " 0 1"* ]] && ok "--userns=host still gets a range ($u)" || not_ok "--userns=host: $u"

out=$(docker run --rm --pid=host bb true 2>&1)
want="ecivm: --pid=host is not allowed: containers cannot share namespaces with the VM"
[[ $out == *"$want"* ]] && ok "refusal reaches docker run: $want" || not_ok "--pid=host said: $out"

make_probe_image || bail "probe image"
make_attempt_volumes || bail "volumes"
for e in "${ATTEMPTS[@]}"; do
        name=${e%%|*}
        run_attempt "" "$e"
        if grep -q ESCAPED <<<"$out"; then
                not_ok "escape $name: NOT confined"
                diag "$out"
        elif [[ $out == *ecivm:* ]]; then
                ok "escape $name: refused ($(grep -o 'ecivm: [^:]*: [^:]*' <<<"$out" | head -1))"
        else
                ok "escape $name: confined"
        fi
done
finish
