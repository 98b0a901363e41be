// disk-image-get-kernel in the appliance: mount each filesystem of an image read-only until one
// has /boot/vmlinuz-*, and stage the newest kernel and its initrd for the host. A pure renderer.
import { quote } from '../quote.js';
import { devBySerial } from './drives.js';

export function findKernelScript(serial: string, outDir: string): string {
  const out = quote(outDir);
  return `set -e
${devBySerial}disk=$(dev_by_serial ${serial})
mkdir -p /run/kiln/img ${out}
for part in $(ls "$disk"?* 2>/dev/null) "$disk"; do
  mount -o ro,noload "$part" /run/kiln/img 2>/dev/null || mount -o ro "$part" /run/kiln/img 2>/dev/null || continue
  k=$(ls /run/kiln/img/boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
  if [ -n "$k" ]; then
    v=\${k#/run/kiln/img/boot/vmlinuz-}
    cp "$k" ${out}/vmlinuz
    [ -e /run/kiln/img/boot/initrd.img-$v ] && cp /run/kiln/img/boot/initrd.img-$v ${out}/initrd
    echo "$v"
    umount /run/kiln/img
    exit 0
  fi
  umount /run/kiln/img
done
echo "no /boot/vmlinuz-* in any filesystem of the image" >&2
exit 1
`;
}
