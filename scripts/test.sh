#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine that has only the .NET SDK (as root: the isolated test hosts need
# mount and PID namespaces; elsewhere they fall back to plain sshd servers and say so):
# installs the real services the integration tests use (only what is missing), starts dockerd if it is not
# running, then builds the solution and runs the test assemblies in two lanes side by side (see below). Extra
# arguments go to one plain `dotnet test Deploy.sln` instead.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
# (ldd exits 1 on a static binary: read its message, not its status, which pipefail would take)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && [[ "$(ldd /bin/busybox 2>&1)" == *"not a dynamic"* ]] || need+=(busybox-static)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
command -v xz >/dev/null 2>&1 || need+=(xz-utils)
command -v bzip2 >/dev/null 2>&1 || need+=(bzip2)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
[ -x /usr/bin/gawk ] || need+=(gawk)   # the launcher's os_release check runs under gawk, mawk and busybox awk
[ -x /usr/bin/mawk ] || need+=(mawk)
command -v rpm >/dev/null 2>&1 || need+=(rpm)
command -v rpmbuild >/dev/null 2>&1 || need+=(rpm)
command -v pigz >/dev/null 2>&1 || need+=(pigz)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v tmux >/dev/null 2>&1 || need+=(tmux)   # the live-progress test reads a real terminal
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)   # the exOS acceptance test builds a .deb with dpkg-deb and installs it with dpkg -i
ls /usr/share/python-wheels/*.whl >/dev/null 2>&1 || need+=(python3-pip-whl python3-setuptools-whl)
# The sample Python agent's install hook (samples/AgentUpgrade): the system pip installs it into a release venv that
# sees the system setuptools.
/usr/bin/python3 -c "import pip, setuptools" >/dev/null 2>&1 || need+=(python3-pip python3-setuptools)
# The isolated test hosts (tests/Deploy.Testing/Hosts): namespaces and setsid (util-linux), a login user with
# password sudo (sudo, openssl for its password hash), and ps inside a host (procps).
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v setsid >/dev/null 2>&1 || need+=(util-linux)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v ps >/dev/null 2>&1 || need+=(procps)
# The sample product's middleware on the isolated test hosts (samples/PrivateDeploy): real Redis and MariaDB servers,
# started by the lifecycle per host (the packages' own services are not used).
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
# The real kubectl, run against the in-process Kubernetes API fake (tests/Deploy.Kubernetes.Tests/Fake).
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
# Air-gapped images onto cluster nodes (tests/Deploy.Kubernetes.Tests/Images): one containerd per isolated host, ctr.
command -v containerd >/dev/null 2>&1 || need+=(containerd)
command -v ctr >/dev/null 2>&1 || need+=(containerd)
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "test.sh: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The scripts the SDK runs on hosts are resource files: shellcheck them all (POSIX sh).
mapfile -t scripts < <(find src -name '*.sh' -not -path '*/bin/*' -not -path '*/obj/*' | sort)
if [ ${#scripts[@]} -gt 0 ]; then
  shellcheck --shell=sh --severity=warning "${scripts[@]}"
  echo "test.sh: shellcheck passed on ${#scripts[@]} host scripts"
fi

# A Docker engine for the Docker integration tests (vfs storage, no iptables, no bridge: works in a sandbox).
bash scripts/start-dockerd.sh

# dotnet test prints one summary line per test assembly; add the plain closing line CI reads.
log=$(mktemp)
set +e
if [ $# -gt 0 ]; then
  # Arguments for `dotnet test` (a filter, a configuration...): one plain run over the solution.
  dotnet test Deploy.sln "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
else
  # The whole suite: build once, then two lanes side by side. Deploy.Core.Tests (most of the time, mostly waiting on
  # sshd, isolated hosts and settle periods) runs alone in one lane; the other assemblies run one after another in
  # the second. Test hosts do not collide across assemblies: each test process draws loopback addresses from its own
  # range (tests/Deploy.Testing/Hosts/LoopbackAddresses.cs) and free ports. Every line is prefixed with its assembly.
  dotnet build Deploy.sln -nologo -v q 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" = "0" ]; then
    lanes=$(mktemp -d)
    lane() {
      local name=$1; shift
      local code=0 project
      for project in "$@"; do
        dotnet test "tests/$project" --no-build 2>&1 | sed -u "s/^/[${project#Deploy.}] /"
        [ "${PIPESTATUS[0]}" = "0" ] || code=1
      done
      echo "$code" > "$lanes/$name"
    }
    lane core Deploy.Core.Tests 2>&1 | tee -a "$log" &
    mapfile -t others < <(find tests -maxdepth 1 -name '*.Tests' -not -name Deploy.Core.Tests -printf '%f\n' | sort)
    lane rest "${others[@]}" 2>&1 | tee -a "$log" &
    wait
    for name in core rest; do
      [ "$(cat "$lanes/$name" 2>/dev/null)" = "0" ] || rc=1
    done
    rm -rf "$lanes"
  fi
fi
set -e
awk '
  /(Passed|Failed)!  *- *Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) + 0 }
      if ($i == "Passed:")  { p += $(i+1) + 0 }
      if ($i == "Skipped:") { s += $(i+1) + 0 }
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$rc"
