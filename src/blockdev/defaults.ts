// The block-device layouts DIB ships with its elements (3.13), for when no element and no
// DIB_BLOCK_DEVICE_CONFIG supplies one:
//   mbr  - block-device-mbr, what `vm` gets on x86 when no block-device-* element is chosen
//   gpt  - block-device-gpt: BIOS boot partition for grub-pc + root
//   efi  - block-device-efi: ESP + BIOS boot partition (so BIOS and UEFI both boot) + root
//   none - disk-image-create's fallback without `vm`: one filesystem on the whole disk
// The root filesystem's type and label are left out on purpose where DIB leaves them out,
// so --fs-type / --root-label apply (see PlanOptions).

export type DefaultLayout = 'mbr' | 'gpt' | 'efi' | 'none';

const ROOT_MOUNT = `
          mount:
            mount_point: /
            fstab:
              options: "defaults"
              fsck-passno: 1`;

const LAYOUTS: Record<DefaultLayout, string> = {
  mbr: `- local_loop:
    name: image0

- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: root
        flags: [ boot, primary ]
        size: 100%
        mkfs:${ROOT_MOUNT}
`,
  gpt: `- local_loop:
    name: image0

- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: BSP
        type: 'EF02'
        size: 8MiB
      - name: root
        flags: [ boot ]
        size: 100%
        mkfs:
          type: ext4${ROOT_MOUNT}
`,
  efi: `- local_loop:
    name: image0

- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: ESP
        type: 'EF00'
        size: 550MiB
        mkfs:
          type: vfat
          mount:
            mount_point: /boot/efi
            fstab:
              options: "defaults"
              fsck-passno: 2
      - name: BSP
        type: 'EF02'
        size: 8MiB
      - name: root
        type: '8300'
        size: 100%
        mkfs:
          type: ext4${ROOT_MOUNT}
`,
  none: `- local_loop:
    name: image0
    mkfs:
      name: mkfs_root
      mount:
        mount_point: /
        fstab:
          options: "defaults"
          fsck-passno: 1
`,
};

/** YAML text of a default layout, ready for planFromYaml(). */
export function defaultConfig(layout: DefaultLayout): string {
  return LAYOUTS[layout];
}

