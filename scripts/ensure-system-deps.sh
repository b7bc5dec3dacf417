#!/usr/bin/env bash
# Installs the system peers the test suite and benchmarks run against (real Samba, smbclient,
# rclone, iproute2, curl, jq, nginx) when they are missing. Debian's packages; needs root, as on the project's machines.
set -euo pipefail
need=()
command -v smbd >/dev/null 2>&1 || need+=(samba)
command -v smbclient >/dev/null 2>&1 || need+=(smbclient)
command -v smbcacls >/dev/null 2>&1 || need+=(smbclient)
command -v rclone >/dev/null 2>&1 || need+=(rclone)
# The rclone suite runs rclone in a network namespace (`ip netns`) whose hosts file maps Microsoft's names to loopback.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The core-throughput bench downloads the 1 GiB file with curl.
command -v curl >/dev/null 2>&1 || need+=(curl)
# The README tour test (test/docs) runs the documented curl | jq commands.
command -v jq >/dev/null 2>&1 || need+=(jq)
# The web client's end-to-end tests and benchmarks drive Debian's Chromium through playwright-core; pages need a
# font with Latin glyphs to render readable screenshots.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
# The cluster tests and bench (test/cluster, bench/cluster-*) put several nodes behind a real nginx, run as a
# child of the test with its own config; the light flavour has the proxy and upstream modules they use.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# The ACL tests run a share with `vfs objects = acl_xattr`; Debian ships that module separately.
if command -v smbd >/dev/null 2>&1; then
  modules_dir=$(smbd -b 2>/dev/null | awk -F': ' '/MODULESDIR/ {print $2}')
  [ -n "$modules_dir" ] && [ -f "$modules_dir/vfs/acl_xattr.so" ] || need+=(samba-vfs-modules)
else
  need+=(samba-vfs-modules)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]} (run as root or install them: apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
