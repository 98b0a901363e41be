# The block-device layout this element selects (read by the bootloader element).
case ${ARCH:-} in
    arm64 | aarch64)
        echo "block-device-mbr: arm64 images need block-device-efi" >&2
        return 1 2>/dev/null || exit 1 ;;
esac
export DIB_BLOCK_DEVICE=mbr
