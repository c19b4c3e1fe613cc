#!/bin/bash
# demo.sh: the guest side of tools/try-kmodd.  Runs as root in the VM (see
# vm.py), with kmodd installed from a meson DESTDIR and not yet started.
#
#   demo.sh transcript   sets up, then shows kmodd at work as kmoddtest, an
#                        unprivileged member of group kmodd, like a terminal
#                        session: "$ command" and what it printed
#   demo.sh shell        the same setup, then a hint; vm.py --shell
#                        --shell-user kmoddtest gives the user the shell
set -u
mode=${1:-transcript}
user=${KMODD_TEST_USER:-kmoddtest}
interval=4

# ---- setup, as root, before kmodd first starts (it reads its configuration
# then) -------------------------------------------------------------------------
mkdir -p /etc/kmodd
[ "$mode" = shell ] && interval=30
printf '[Daemon]\nAutoCleanInterval=%s\n' "$interval" > /etc/kmodd/kmodd.conf

if [ "$mode" = shell ]; then
    cat <<EOF

  kmodd is installed in this throwaway VM (Debian's kernel $(uname -r)).
  You are $user, a member of group kmodd: polkit lets you load and unload
  modules without a password.  Loading with parameters needs an
  administrator, and polkit cannot ask for a password here (this VM has no
  login session for an agent), so that is refused with exit status 3.
  AutoClean runs every $interval s in this VM (/etc/kmodd/kmodd.conf).  Try:

    kmodctl load msdos                  kmodctl list
    kmodctl unload fat                  kmodctl unload --dependencies msdos
    kmodctl load --autoclean vfat       kmodctl list --autoclean
    kmodctl monitor &                   kmodctl info vfat
    kmodctl load brd rd_nr=2            kmodctl status
    kmodctl help

  "exit" powers the VM off (Ctrl-A x kills it).

EOF
    exit 0
fi

# ---- the transcript ------------------------------------------------------------------
# One bash session of the user; t CMD prints "$ CMD", runs it, and notes a
# non-zero exit status; say LINE... prints a comment.
home=$(getent passwd "$user" | cut -d: -f6)
cd "$home" || exit 1
setpriv --reuid "$user" --regid "$user" --init-groups \
    env HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/bin:/bin \
    /bin/bash --noprofile --norc -s <<'EOF'
say() { echo; printf '# %s\n' "$@"; }
t() {
    printf '$ %s\n' "$1"
    eval "$1"
    local rc=$?
    [ $rc = 0 ] || printf '  (exit status %s)\n' $rc
    return 0
}

say "You are an ordinary user, in group kmodd: polkit lets you load and unload modules."
t 'id'
say "Watch every module that comes and goes, in the background:"
t 'kmodctl monitor > monitor.log 2>/dev/null &'
sleep 2
say "Load msdos: kmodd inserts its dependency fat first."
t 'kmodctl load msdos'
t 'kmodctl list'
say "(virtio*, 9p*, netfs, fscache and overlay are the VM's own: its disk is the host's /.)" \
    "fat is in use by msdos: kmodd refuses to remove it (there is no force)."
t 'kmodctl unload fat'
t 'kmodctl unload --dependencies msdos'
say "AutoClean: a module loaded with --autoclean goes once it has been unused for" \
    "a full interval (this VM's /etc/kmodd/kmodd.conf: AutoCleanInterval=4)."
t 'kmodctl load --autoclean vfat'
t 'kmodctl list --autoclean'
t 'sleep 10'
t 'kmodctl info vfat | grep loaded'
say "What the monitor saw: who loaded what, and why each module went."
t 'kill %1'
sleep 0.5
t 'cat monitor.log'
EOF
