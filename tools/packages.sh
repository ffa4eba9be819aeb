# tools/packages.sh — sourced by tools/quickstart and tools/test.
# Lists the Debian packages tessera needs and installs the missing ones
# (dpkg is asked first, so a machine that has everything never runs apt).

# To build tessera-server and tessera-cli.
BUILD_PACKAGES="autoconf automake pkg-config gcc libc6-dev make
  libevent-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
  libjemalloc-dev liblzf-dev libedit-dev"
# To run the test suite: the fuzzer toolchain, pytest + redis-py for the
# integration tests, redis-cli/redis-benchmark and the reference redis-server.
TEST_PACKAGES="clang libclang-rt-14-dev python3 python3-pytest python3-redis
  redis-tools redis-server"

# ensure_packages PKG... — apt-get install whatever is not installed yet.
ensure_packages() {
    local missing=() pkg sudo=""
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    echo "==> installing missing Debian packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" </dev/null || return 1
}

# ensure_configure — generate ./configure when it is missing or older than
# configure.ac (make regenerates Makefile.in by itself after that).
ensure_configure() {
    if [ ! -x configure ] || [ ! -f Makefile.in ] || [ configure.ac -nt configure ]; then
        echo "==> ./autogen.sh"
        ./autogen.sh || return 1
    fi
}

# configure_in DIR [configure args...] — configure an out-of-tree build in
# DIR unless it is configured already with the same arguments.
configure_in() {
    local dir="$1"; shift
    local want="$*"
    mkdir -p "$dir" || return 1
    if [ -f "$dir/Makefile" ] && [ -f "$dir/.tessera-configure-args" ] &&
       [ "$(cat "$dir/.tessera-configure-args")" = "$want" ]; then
        return 0
    fi
    echo "==> configure in $dir${want:+ ($want)}"
    (cd "$dir" && "$SRC_DIR/configure" -q "$@") || return 1
    printf '%s' "$want" > "$dir/.tessera-configure-args"
}
