# The block-device layout this element selects (read by the bootloader element).
export DIB_BLOCK_DEVICE=efi
