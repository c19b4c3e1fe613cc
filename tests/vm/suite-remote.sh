# suite-remote.sh: the cases of kmodctl -H (ssh HOST systemd-stdio-bridge)
# for suite.sh's part "systemd", which sources this file.  The guest runs
# an sshd of its own on 127.0.0.1:2222 (the host's openssh-server, see
# tools/install-deps.sh) with a host key made here, and root's ssh reaches
# it as "localhost" with a key made here too, through /root/.ssh/config (on
# the guest's overlay): the real ssh, the real sshd, the real bridge and
# kmodd.service at the far end, all in one machine.
#
# Users at the far end: tester (uid 4244, in group kmodd: the polkit rule
# lets it load and unload without a password) and outsider (suite.sh's,
# in no group: polkit wants an administrator's password, which nobody can
# give across SSH).
# shellcheck shell=bash

SSH_DIR=$work/ssh
TESTER=tester TESTER_UID=4244
SSH_PORT=2222

# Starts sshd once; every case calls it, so that each can run alone.
remote_setup() {
    if [ -s $SSH_DIR/sshd.pid ] && [ -e /proc/"$(cat $SSH_DIR/sshd.pid)" ]; then
        return 0
    fi
    local gid
    mkdir -p $SSH_DIR/authorized_keys /run/sshd
    chmod 755 $SSH_DIR $SSH_DIR/authorized_keys
    if ! grep -q "^$TESTER:" /etc/passwd; then
        gid=$(getent group kmodd | cut -d: -f3)
        echo "$TESTER:x:$TESTER_UID:" >> /etc/group
        echo "$TESTER:x:$TESTER_UID:$TESTER_UID:kmodctl -H test user:/tmp:/bin/sh" >> /etc/passwd
        echo "$TESTER:*:19000:0:99999:7:::" >> /etc/shadow
        sed -i "s/^\(kmodd:[^:]*:$gid:.*\)$/\1,$TESTER/; s/^\(kmodd:[^:]*:$gid:\),/\1/" /etc/group
    fi
    id "$TESTER" | grep -q '(kmodd)' || fail "$TESTER is not in group kmodd: $(id $TESTER)"

    ssh-keygen -q -t ed25519 -N '' -C 'kmodd VM host key' -f $SSH_DIR/host_key || return 1
    ssh-keygen -q -t ed25519 -N '' -C 'kmodd VM client key' -f $SSH_DIR/id_ed25519 || return 1
    local u
    for u in $TESTER $OUTSIDER; do
        cp $SSH_DIR/id_ed25519.pub $SSH_DIR/authorized_keys/$u
    done
    chmod 644 $SSH_DIR/authorized_keys/*
    cat > $SSH_DIR/sshd_config <<EOF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $SSH_DIR/host_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin no
EOF
    mkdir -p /root/.ssh
    chmod 700 /root/.ssh
    echo "[localhost]:$SSH_PORT $(cut -d' ' -f1,2 $SSH_DIR/host_key.pub)" > $SSH_DIR/known_hosts
    cat > /root/.ssh/config <<EOF
Host localhost
    Port $SSH_PORT
    IdentityFile $SSH_DIR/id_ed25519
    UserKnownHostsFile $SSH_DIR/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
EOF
    run /usr/sbin/sshd -f $SSH_DIR/sshd_config -E $SSH_DIR/sshd.log
    expect_status 0 || { cat $SSH_DIR/sshd.log; return 1; }
    wait_for 10 test -s $SSH_DIR/sshd.pid || fail "sshd wrote no pid file"
}

t_remote_load_list_unload() {
    remote_setup || return 1
    run kmodctl -H $TESTER@localhost load msdos
    expect_status 0 || { tail -n 20 $SSH_DIR/sshd.log; return 1; }
    [ "$out" = $'Inserted fat\nInserted msdos' ] || fail "expected 'Inserted fat', 'Inserted msdos'"
    expect_loaded fat msdos || return 1
    # who asked, as kmodd saw it: the SSH user
    run kmodctl -H $TESTER@localhost list --json
    expect_status 0 || return 1
    /usr/bin/python3 -c '
import json, sys
m = {m["name"]: m for m in json.loads(sys.argv[1])["modules"]}
assert m["msdos"]["requested-by"] == int(sys.argv[2]), m["msdos"]
' "$out" $TESTER_UID || fail "msdos not requested by uid $TESTER_UID"
    # the same table as locally
    local here there
    here=$(kmodctl list)
    run kmodctl -H $TESTER@localhost:$SSH_PORT list
    there=$out
    [ "$here" = "$there" ] || fail "kmodctl -H list differs from kmodctl list"
    run kmodctl -H $TESTER@localhost unload fat
    expect_status 5 || return 1
    run kmodctl -H $TESTER@localhost unload --dependencies msdos
    expect_status 0 || return 1
    expect_not_loaded msdos fat
}

t_remote_outsider() {
    remote_setup || return 1
    run kmodctl -H $OUTSIDER@localhost info msdos
    expect_status 0 || return 1
    run kmodctl -H $OUTSIDER@localhost load msdos
    expect_status 3 || return 1
    remote_refusal || return 1
    expect_not_loaded msdos
    # even with a terminal on stdin: no agent is started, nobody is asked
    run script -qec "kmodctl -H $OUTSIDER@localhost load msdos" /dev/null
    expect_status 3 || return 1
    remote_refusal || return 1
    expect_not_loaded msdos
}

# kmodctl's line for a refusal over -H: polkit's "an administrator's
# password" comes with the hint that none can be asked for over -H
remote_refusal() {
    expect_out '^kmodctl: cannot load msdos: (Not authorized|authentication is required)' || return 1
    if grep -q 'authentication is required' <<<"$out"; then
        expect_out 'no password can be asked for over -H' || return 1
    fi
}

t_remote_no_such_host() {
    remote_setup || return 1
    run kmodctl -H $TESTER@no-such-host.invalid --timeout=20 list
    expect_status 7 || return 1
    expect_out '^kmodctl: cannot connect to tester@no-such-host.invalid: ' || return 1
    [ "$(grep -c '^kmodctl' <<<"$out")" = 1 ] || fail "not one line of kmodctl's own"
    # a closed port
    run kmodctl -H $TESTER@localhost:2 list
    expect_status 7
}

t_remote_monitor_killed() {
    remote_setup || return 1
    local log=$work/remote-monitor.json bridge
    kmodctl -H $TESTER@localhost monitor --json > $log 2> $log.err &
    monpid=$!
    wait_for 20 grep -q "^Monitoring" $log.err || { cat $log.err; fail "monitor did not start"; }
    run kmodctl load minix
    expect_status 0 || return 1
    wait_for 20 grep -q '"minix"' $log || { cat $log $log.err; fail "no event for minix"; }
    cat $log
    [ "$(count_events $log loaded minix request)" = 1 ] || fail "not one 'loaded minix request'"
    # the connection goes: the far end's bridge is killed
    bridge=$(pids_of systemd-stdio-b)
    echo "bridge: $bridge"
    [ -n "$bridge" ] || fail "no systemd-stdio-bridge running"
    kill -KILL $bridge
    wait_for 20 sh -c "! kill -0 $monpid 2>/dev/null" || fail "monitor still running"
    wait $monpid
    monrc=$?
    cat $log.err
    [ $monrc = 7 ] || fail "monitor's exit status $monrc, expected 7"
    grep -q '^kmodctl: cannot monitor: the connection to tester@localhost was lost$' $log.err ||
        fail "no 'connection was lost'"
    run kmodctl unload minix
    expect_status 0
}
