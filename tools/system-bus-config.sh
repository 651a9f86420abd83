# shellcheck shell=sh
# Sourced by the scripts that run a private bus. nv_system_bus_config
# prints a dbus-daemon configuration like Debian's system bus (/usr/share/dbus-1/system.conf:
# type system, EXTERNAL authentication, owning and calling denied by
# default) listening on socket $1, with the extra elements $2 (the bus
# policy to test: an <include> or <includedir>, a <servicedir>, ...).
nv_system_bus_config()
{
    cat <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  ${2:-}
</busconfig>
CONF
}

# Starts dbus-daemon with configuration file $1 in the background, as a
# child of the calling shell (--nofork: the caller kills it and waits for
# it, since nothing else may reap it), its stderr in file $2, and exports
# DBUS_SYSTEM_BUS_ADDRESS once it listens: dbus-daemon prints its address
# then, and reading it through a FIFO waits exactly that long. Sets
# nv_bus_pid. If the bus does not start, prints its log and returns 1.
# DBUS_SYSTEM_BUS_ADDRESS is not passed on to it: what a service it
# activates finds there must come from dbus-daemon itself.
nv_start_system_bus()
{
    nv_bus_fifo=$2.address
    rm -f "$nv_bus_fifo"
    mkfifo "$nv_bus_fifo" || return 1
    env -u DBUS_SYSTEM_BUS_ADDRESS dbus-daemon --config-file="$1" --nofork --nopidfile \
        --print-address=3 3>"$nv_bus_fifo" 2>"$2" &
    nv_bus_pid=$!
    if ! read -r DBUS_SYSTEM_BUS_ADDRESS <"$nv_bus_fifo"; then
        rm -f "$nv_bus_fifo"
        cat "$2" >&2
        return 1
    fi
    rm -f "$nv_bus_fifo"
    export DBUS_SYSTEM_BUS_ADDRESS
}
