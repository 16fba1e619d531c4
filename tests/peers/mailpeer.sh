#!/usr/bin/env bash
# mailpeer.sh start|stop|status BASE_DIR
#
# Runs a real Postfix + Dovecot pair on 127.0.0.1 from a private state directory, as the peer that
# SMTP Doctor is tested against (nobody on this project wrote it, so it keeps the client honest).
#
#   PLAIN_PORT       plain SMTP: STARTTLS offered, no AUTH, relay allowed from 127.0.0.0/8
#   SUBMISSION_PORT  submission: STARTTLS required, AUTH only after TLS (smtpd_tls_auth_only)
#   SMTPS_PORT       implicit TLS (wrapper mode), AUTH, relay only when authenticated
#   SINK_PORT        aiosmtpd sink (sink.py) Postfix relays every accepted message to;
#                    each one lands in BASE_DIR/sink/NNNNNN.eml (+ .json envelope)
#   INTROSPECT_PORT  OAuth token introspection (introspect.py) behind Dovecot's oauth2 passdb;
#                    tokens come from BASE_DIR/tokens.json, which tests rewrite
#
# Users (Dovecot passwd-file): alice@example.test ({PLAIN} scheme), bob@example.test
# (SHA512-CRYPT made by doveadm pw), fresh random passwords on every start. AUTH mechanisms:
# PLAIN LOGIN XOAUTH2 OAUTHBEARER.
#
# After a successful start, BASE_DIR holds:
#   ports.env   HOST, the five ports above, CA_FILE (the trustme CA clients must trust),
#               SINK_DIR, TOKENS_FILE
#   users.env   ALICE_USER ALICE_PASSWORD BOB_USER BOB_PASSWORD (mode 600)
#   logs/       postfix.log (maillog_file: there is no syslog), dovecot.log, sink.log, introspect.log
#
# Nothing in /etc is changed; the system's own Postfix/Dovecot are never touched. "start" first
# cleans up whatever a previous unclean stop left in the same BASE_DIR. "stop" ends every process
# by the PID it recorded and waits for each to exit. Must run as root (Postfix needs it).
# Environment: PYTHON (default: the project's .venv/bin/python, else python3) must have aiosmtpd
# and trustme.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH=$PATH:/usr/sbin:/sbin # postfix, dovecot and runuser live there; a non-login PATH may lack it
STEP_TIMEOUT=15 # seconds any one readiness wait may take
STOP_TIMEOUT=10 # seconds a process gets to exit after SIGTERM before SIGKILL

die() {
    echo "mailpeer: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start|stop|status BASE_DIR" >&2
    exit 2
}

pick_python() {
    if [[ -n ${PYTHON:-} ]]; then
        echo "$PYTHON"
    elif [[ -x $HERE/../../.venv/bin/python ]]; then
        echo "$HERE/../../.venv/bin/python"
    else
        echo python3
    fi
}

set_paths() {
    # Postfix insists on absolute paths (postfix -c, queue_directory).
    BASE=$(realpath -m "$1")
    RUN=$BASE/run
    LOGS=$BASE/logs
    CERTS=$BASE/certs
    SPOOL=$BASE/spool
    PF_CONF=$BASE/postfix
    DC_DIR=$BASE/dovecot
    DC_CONF=$DC_DIR/dovecot.conf
    SINK_DIR=$BASE/sink
    TOKENS_FILE=$BASE/tokens.json
}

now_ms() { date +%s%3N; }
T0=$(now_ms)

# MAILPEER_VERBOSE=1 shows how long each step took.
step() { if [[ -n ${MAILPEER_VERBOSE:-} ]]; then echo "mailpeer: +$(($(now_ms) - T0)) ms $*" >&2; fi; }

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every 50 ms until it succeeds.
wait_until() {
    local limit=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + limit * 1000))
    until "$@"; do
        if (($(now_ms) > deadline)); then
            echo "mailpeer: timed out after ${limit}s waiting for $what" >&2
            return 1
        fi
        sleep 0.05
    done
}

# A zombie counts as gone: our daemons are reparented to PID 1, which may take seconds to reap them.
alive() {
    local stat
    [[ -n $1 ]] || return 1
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}
gone() { ! alive "$1"; }

# await_exit PID NAME: wait for a signalled process to exit; SIGKILL it as a last resort.
await_exit() {
    local pid=$1 name=$2
    [[ -n $pid ]] || return 0
    wait_until "$STOP_TIMEOUT" "$name ($pid) to exit" gone "$pid" 2>/dev/null && return 0
    echo "mailpeer: $name ($pid) did not exit after SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 "$name ($pid) to die" gone "$pid"
}

# PIDs are only trusted when the process is still the one we started: after a reboot or a long
# pause the number may belong to something else.
read_pid() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }

cmdline_has() {
    local pid=$1 needle=$2
    [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$needle"
}

postfix_master_pid() {
    local pid
    pid=$(read_pid "$SPOOL/pid/master.pid")
    # Postfix's master runs with its queue directory as working directory.
    if alive "$pid" && [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$SPOOL" ]]; then echo "$pid"; fi
}

dovecot_master_pid() {
    local pid
    pid=$(read_pid "$DC_DIR/run/master.pid")
    if alive "$pid" && cmdline_has "$pid" "$DC_CONF"; then echo "$pid"; fi
}

helper_pid() {
    local pid
    pid=$(read_pid "$RUN/$1.pid")
    if alive "$pid" && cmdline_has "$pid" "$BASE/"; then echo "$pid"; fi
}

children_of() { if [[ -n $1 ]]; then ps -o pid= --ppid "$1" || true; fi; }

# Signal everything first and wait afterwards: Dovecot alone takes about a second to wind down.
stop_all() {
    local postfix_pid dovecot_pid sink_pid introspect_pid pid
    postfix_pid=$(postfix_master_pid)
    dovecot_pid=$(dovecot_master_pid)
    sink_pid=$(helper_pid sink)
    introspect_pid=$(helper_pid introspect)
    if [[ -n $postfix_pid ]]; then
        # "abort" only signals the master; "stop" would then poll once a second. We wait below.
        postfix -c "$PF_CONF" abort >/dev/null 2>&1 || kill -TERM "$postfix_pid" 2>/dev/null || true
    fi
    # Dovecot's master takes a second to get round to its children; signalling them with it
    # (they are ours: children of the master we verified) makes the whole stop take milliseconds.
    for pid in $dovecot_pid $(children_of "$dovecot_pid") $sink_pid $introspect_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    await_exit "$postfix_pid" "postfix master"
    await_exit "$dovecot_pid" "dovecot master"
    await_exit "$sink_pid" sink
    await_exit "$introspect_pid" introspect
    step "postfix, dovecot, sink and introspection stopped"
    wait_for_stragglers
    step "no process left"
    rm -f "$RUN/sink.pid" "$RUN/introspect.pid"
}

# Children of the two masters are told to exit when their master does, but a few may still be
# finishing; all of them run with a working directory inside BASE, which identifies them.
processes_in_base() {
    # One find over /proc instead of a readlink per process: this runs in a polling loop.
    find /proc -mindepth 2 -maxdepth 2 -name cwd \( -lname "$BASE" -o -lname "$BASE/*" \) 2>/dev/null |
        cut -d/ -f3 | grep -vx -e "$$" -e "$BASHPID" || true
}

no_processes_in_base() { [[ -z $(processes_in_base) ]]; }

wait_for_stragglers() {
    local pid
    wait_until "$STOP_TIMEOUT" "child processes under $BASE to exit" no_processes_in_base 2>/dev/null && return 0
    for pid in $(processes_in_base); do
        kill -TERM "$pid" 2>/dev/null || true
        await_exit "$pid" "leftover process"
    done
}

free_ports() {
    # Bind all five at once so the kernel hands out five different ports.
    "$PY" -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
'
}

# A leading letter: a password starting with "-" would read as an option to doveadm.
random_password() { "$PY" -c 'import secrets; print("pw" + secrets.token_urlsafe(15))'; }

make_certs() {
    "$PY" -m trustme -d "$CERTS" -i localhost 127.0.0.1 mx.local.test >/dev/null
    chmod 600 "$CERTS/server.key"
    CA_FILE=$CERTS/client.pem # trustme's name for the CA certificate clients must trust
}

write_users() {
    ALICE_USER=alice@example.test
    BOB_USER=bob@example.test
    ALICE_PASSWORD=$(random_password)
    BOB_PASSWORD=$(random_password)
    local bob_hash
    bob_hash=$(doveadm -c "$DC_CONF" pw -s SHA512-CRYPT -p "$BOB_PASSWORD")
    umask 077
    printf '%s:{PLAIN}%s\n%s:%s\n' "$ALICE_USER" "$ALICE_PASSWORD" "$BOB_USER" "$bob_hash" >"$DC_DIR/users"
    printf 'ALICE_USER=%s\nALICE_PASSWORD=%s\nBOB_USER=%s\nBOB_PASSWORD=%s\n' \
        "$ALICE_USER" "$ALICE_PASSWORD" "$BOB_USER" "$BOB_PASSWORD" >"$BASE/users.env"
    umask 022
}

write_dovecot_config() {
    cat >"$DC_CONF" <<EOF
# Auth only: Postfix asks it over a unix socket in its queue directory. Written by mailpeer.sh.
base_dir = $DC_DIR/run
state_dir = $DC_DIR/state
log_path = $LOGS/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
# Postfix enforces TLS before AUTH (smtpd_tls_auth_only); Dovecot only sees the local socket.
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
# The auth penalty is keyed on the client IP Postfix passes (always 127.0.0.1 here): one failed
# AUTH would slow every later AUTH, good ones included, by seconds.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
# The state directory may sit below a 0700 directory (pytest's tmp_path does), which the
# default "dovecot" user cannot traverse; this instance only serves loopback tests.
service auth {
  user = root
  process_min_avail = 1
  unix_listener $SPOOL/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
passdb {
  driver = passwd-file
  args = username_format=%u $DC_DIR/users
  mechanisms = plain login
}
passdb {
  driver = oauth2
  args = $DC_DIR/oauth2.conf.ext
  mechanisms = xoauth2 oauthbearer
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
EOF
    cat >"$DC_DIR/oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = http://127.0.0.1:$INTROSPECT_PORT/introspect
username_attribute = username
active_attribute = active
active_value = true
EOF
}

write_postfix_config() {
    cat >"$PF_CONF/main.cf" <<EOF
# A private Postfix instance for tests. Written by mailpeer.sh; every path is inside $BASE.
compatibility_level = 3.6
queue_directory = $SPOOL
data_directory = $BASE/data
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
# No syslog on these machines: log to a file (it must lie under one of the prefixes).
maillog_file_prefixes = $LOGS
maillog_file = $LOGS/postfix.log
myhostname = mx.local.test
mydomain = local.test
myorigin = \$myhostname
smtpd_banner = \$myhostname ESMTP Postfix (SMTP Doctor test peer)
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
# Everything accepted goes to the sink, in clear text, without DNS.
relayhost = [127.0.0.1]:$SINK_PORT
default_transport = smtp
relay_transport = smtp
smtp_tls_security_level = none
smtp_bind_address = 127.0.0.1
smtp_dns_support_level = disabled
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_tls_cert_file = $CERTS/server.pem
smtpd_tls_key_file = $CERTS/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
EOF
    # The chroot column is "n" everywhere: the queue directory is not set up as a chroot jail.
    cat >"$PF_CONF/master.cf" <<EOF
127.0.0.1:$PLAIN_PORT inet n - n - - smtpd
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup     unix  n - n 60    1 pickup
cleanup    unix  n - n -     0 cleanup
qmgr       unix  n - n 300   1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -     - trivial-rewrite
bounce     unix  - - n -     0 bounce
defer      unix  - - n -     0 bounce
trace      unix  - - n -     0 bounce
verify     unix  - - n -     1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -     - proxymap
proxywrite unix  - - n -     1 proxymap
smtp       unix  - - n -     - smtp
relay      unix  - - n -     - smtp
showq      unix  n - n -     - showq
error      unix  - - n -     - error
retry      unix  - - n -     - error
discard    unix  - - n -     - discard
local      unix  - n n -     - local
virtual    unix  - n n -     - virtual
lmtp       unix  - - n -     - lmtp
anvil      unix  - - n -     1 anvil
scache     unix  - - n -     1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
    # Postfix waits (in 0.3 s naps, up to about 2 s) while main.cf is younger than a few seconds,
    # in case someone is still editing it. Nobody is: date it back.
    touch -d '-1 minute' "$PF_CONF/main.cf" "$PF_CONF/master.cf"
}

# start_helper NAME ARGS...: run tests/peers/NAME.py in its own session, logging to logs/NAME.log.
start_helper() {
    local name=$1
    shift
    setsid "$PY" "$HERE/$name.py" "$@" --pid-file "$RUN/$name.pid" </dev/null >>"$LOGS/$name.log" 2>&1 &
}

smtp_greets() {
    local port=$1 fd line
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
    read -r -t 2 line <&"$fd" || line=
    printf 'QUIT\r\n' >&"$fd" 2>/dev/null || true
    exec {fd}>&-
    [[ $line == 220* ]]
}

accepts() {
    local port=$1 fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
    exec {fd}>&-
}

dovecot_auth_works() {
    doveadm -c "$DC_CONF" auth test -x service=smtp "$ALICE_USER" "$ALICE_PASSWORD" >/dev/null 2>&1
}

write_ports_env() {
    # Written last, through a rename: its presence means the peer is ready.
    cat >"$BASE/ports.env.partial" <<EOF
HOST=127.0.0.1
PLAIN_PORT=$PLAIN_PORT
SUBMISSION_PORT=$SUBMISSION_PORT
SMTPS_PORT=$SMTPS_PORT
SINK_PORT=$SINK_PORT
INTROSPECT_PORT=$INTROSPECT_PORT
CA_FILE=$CA_FILE
SINK_DIR=$SINK_DIR
TOKENS_FILE=$TOKENS_FILE
EOF
    mv "$BASE/ports.env.partial" "$BASE/ports.env"
}

show_logs_on_failure() {
    local log
    echo "mailpeer: start failed; log tails follow" >&2
    for log in "$LOGS"/*.log; do
        [[ -s $log ]] || continue
        echo "----- $log" >&2
        tail -n 20 "$log" >&2
    done
}

require_tools() {
    local tool
    for tool in postfix postconf dovecot doveadm setsid realpath runuser ps find; do
        command -v "$tool" >/dev/null || die "$tool not found (apt-get install postfix dovecot-core)"
    done
    [[ $(id -u) == 0 ]] || die "must run as root (Postfix's master and Dovecot need it)"
    "$PY" -c 'import aiosmtpd, trustme' 2>/dev/null || die "$PY lacks aiosmtpd or trustme (set PYTHON)"
}

start() {
    require_tools
    local started
    started=$(now_ms)
    mkdir -p "$BASE"
    chmod 755 "$BASE"
    # Postfix's master opens data_directory/master.lock after dropping to the postfix user.
    runuser -u postfix -- test -d "$BASE" ||
        die "the postfix user cannot reach $BASE: every parent directory needs o+x (pytest's tmp_path has 0700)"
    stop_all # whatever a previous unclean stop left behind
    rm -rf "$RUN" "$LOGS" "$CERTS" "$SPOOL" "$BASE/data" "$PF_CONF" "$DC_DIR" "$SINK_DIR" \
        "$BASE/ports.env" "$BASE/users.env" "$TOKENS_FILE"
    mkdir -p "$RUN" "$LOGS" "$CERTS" "$SPOOL" "$BASE/data" "$PF_CONF" "$DC_DIR/state" "$SINK_DIR"
    chown postfix "$BASE/data"
    trap 'show_logs_on_failure; stop_all' EXIT

    read -r PLAIN_PORT SUBMISSION_PORT SMTPS_PORT SINK_PORT INTROSPECT_PORT <<<"$(free_ports)"
    step "ports chosen"
    make_certs
    step "certificates made"
    write_dovecot_config
    write_users
    echo '{}' >"$TOKENS_FILE"
    write_postfix_config
    # "check" also creates the queue directories (private/ holds Dovecot's socket) with the
    # right owners. Its complaints go to maillog_file only.
    step "configuration written"
    postfix -c "$PF_CONF" check
    step "postfix check done"

    start_helper introspect --port "$INTROSPECT_PORT" --tokens "$TOKENS_FILE"
    start_helper sink --port "$SINK_PORT" --dir "$SINK_DIR"

    # Dovecot first: an smtpd that finds no auth socket dies and Postfix throttles it for 60 s.
    # Daemons get no stdio of ours: a caller reading our output through a pipe would otherwise
    # wait for them to exit.
    dovecot -c "$DC_CONF" </dev/null >>"$LOGS/dovecot-start.log" 2>&1
    step "dovecot started"
    wait_until "$STEP_TIMEOUT" "dovecot auth socket" test -S "$SPOOL/private/auth"
    step "dovecot auth socket ready"
    wait_until "$STEP_TIMEOUT" "dovecot to accept alice's password" dovecot_auth_works
    step "dovecot auth works"
    wait_until "$STEP_TIMEOUT" "introspection endpoint" test -s "$RUN/introspect.pid"
    wait_until "$STEP_TIMEOUT" "sink" test -s "$RUN/sink.pid"

    step "helpers ready"
    postfix -c "$PF_CONF" start </dev/null >>"$LOGS/postfix-start.log" 2>&1 || die "postfix start failed"
    step "postfix started"
    wait_until "$STEP_TIMEOUT" "plain port greeting" smtp_greets "$PLAIN_PORT"
    wait_until "$STEP_TIMEOUT" "submission port greeting" smtp_greets "$SUBMISSION_PORT"
    # A bare connect (Postfix logs "SSL_accept error ... lost connection" for it: harmless).
    wait_until "$STEP_TIMEOUT" "implicit TLS port" accepts "$SMTPS_PORT"

    step "all ports answer"
    write_ports_env
    trap - EXIT
    echo "mailpeer: ready in $(($(now_ms) - started)) ms: plain $PLAIN_PORT, submission $SUBMISSION_PORT," \
        "smtps $SMTPS_PORT, sink $SINK_PORT, introspection $INTROSPECT_PORT; CA $CA_FILE"
}

stop() {
    local started
    started=$(now_ms)
    stop_all
    rm -f "$BASE/ports.env"
    echo "mailpeer: stopped in $(($(now_ms) - started)) ms"
}

status() {
    local all=0 name pid
    for name in postfix dovecot sink introspect; do
        case $name in
        postfix) pid=$(postfix_master_pid) ;;
        dovecot) pid=$(dovecot_master_pid) ;;
        *) pid=$(helper_pid "$name") ;;
        esac
        if [[ -n $pid ]]; then
            echo "$name: running (pid $pid)"
        else
            echo "$name: stopped"
            all=3
        fi
    done
    return "$all"
}

main() {
    [[ $# -eq 2 ]] || usage
    PY=$(pick_python)
    set_paths "$2"
    case $1 in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) usage ;;
    esac
}

main "$@"
