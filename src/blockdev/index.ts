// kiln's block-device layer: DIB block-device YAML -> Plan (pure data) -> guest shell.
export { BlockDeviceError, LvmSpaceError, SectorSizeError, ThinPoolError } from './errors.js';
export { parseBlockDeviceConfig, flattenConfig, type RawNode } from './config.js';
export { planFromYaml, plan, ROOT_MKFS_NAME, type Plan, type PlanOptions, type PlannedFilesystem, type PlannedMount, type FstabEntry } from './plan.js';
export type { PlannedTable, PlannedPartition } from './layout.js';
export type { FsType, SectorSize } from './nodes.js';
export type { PlannedLvm, PlannedPv, PlannedVg, PlannedLv } from './lvm-plan.js';
export { defaultConfig, type DefaultLayout } from './defaults.js';
export { configFromEnv } from './source.js';
export { dibImageSize, dibRootMkfsOptions } from './dib-params.js';
export { deriveUuid, deriveId32 } from './ids.js';
export { blockDeviceEnv } from './env.js';
export { partitionDevice, filesystemDevice, type DeviceOptions } from './render/devices.js';
export { sfdiskScript, renderPartitionScript, type PartitionScriptOptions } from './render/partition.js';
export { renderMkfsScript, mkfsCommand, canPopulateRoot, type MkfsScriptOptions } from './render/mkfs.js';
export { renderMountScript, renderUnmountScript, type MountScriptOptions, type UnmountScriptOptions } from './render/mount.js';
export { renderFstab, renderWriteFstabScript, type FstabBy } from './render/fstab.js';
export { renderLvmCreateScript, renderLvmActivateScript, renderLvmDeactivateScript, renderLvmTeardownScript, lvmCreateCommands, applianceLvmConf } from './render/lvm.js';
export { losetupAttachArgs, qemuDiskProperties } from './render/target.js';
