// DIB configs name GPT partition types with sgdisk's 4-hex-digit codes (EF00, EF02, 8300);
// sfdisk wants the type GUID. This is the subset of sgdisk's table that disk images use;
// a test checks every entry against the installed sgdisk. Any GUID is accepted as is.
import { UUID_RE } from './ids.js';

const SGDISK_CODES: Record<string, string> = {
  '0700': 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', // Microsoft basic data
  '0c01': 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', // Microsoft reserved
  '2700': 'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC', // Windows RE
  '4100': '9E1A2D38-C612-4316-AA26-8B49521E5A8B', // PowerPC PReP boot
  '8200': '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F', // Linux swap
  '8300': '0FC63DAF-8483-4772-8E79-3D69D8477DE4', // Linux filesystem
  '8301': '8DA63339-0007-60C0-C436-083AC8230908', // Linux reserved
  '8302': '933AC7E1-2EB4-4F13-B844-0E14E2AEF915', // Linux /home
  '8303': '44479540-F297-41B2-9AF7-D131D5F0458A', // Linux x86 root (/)
  '8304': '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', // Linux x86-64 root (/)
  '8305': 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE', // Linux ARM64 root (/)
  '8306': '3B8F8425-20E0-4F3B-907F-1A25A76F98E8', // Linux /srv
  '8307': '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3', // Linux ARM32 root (/)
  '8310': '4D21B016-B534-45C2-A9FB-5C16E091FD2D', // Linux /var
  '8311': '7EC6F557-3BC5-4ACA-B293-16EF5DF639D1', // Linux /var/tmp
  '8e00': 'E6D6D379-F507-44C2-A23C-238F2A3DF928', // Linux LVM
  'ea00': 'BC13C2FF-59E6-4262-A352-B275FD6F7172', // XBOOTLDR partition
  'ef00': 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', // EFI system partition
  'ef01': '024DEE41-33E7-11D3-9D69-0008C781F39F', // MBR partition scheme
  'ef02': '21686148-6449-6E6F-744E-656564454649', // BIOS boot partition
  'fd00': 'A19D880F-05FC-4D3B-A006-743F0F84911E', // Linux RAID
};

/** sgdisk code ("EF00", "0x4100") or GUID -> upper-case type GUID; undefined if unknown. */
export function gptTypeGuid(code: string): string | undefined {
  const text = code.trim();
  if (UUID_RE.test(text)) return text.toUpperCase();
  const m = /^(?:0x)?([0-9a-f]{4})$/i.exec(text);
  return m ? SGDISK_CODES[m[1]!.toLowerCase()] : undefined;
}

/** The codes kiln knows, for tests and messages. */
export function knownGptCodes(): string[] {
  return Object.keys(SGDISK_CODES);
}
