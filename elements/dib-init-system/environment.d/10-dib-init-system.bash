# Which init system the image has, for elements that install services. DIB probes the
# target; kiln's distro elements are all systemd (debian-minimal and ubuntu-minimal set it
# too), so the default is simply systemd unless something set it already.
export DIB_INIT_SYSTEM=${DIB_INIT_SYSTEM:-systemd}
