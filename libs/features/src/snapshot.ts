import { readFile, rename, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { FeaturesError } from './errors.js';
import { OnlineFeatureState } from './online.js';
import type { OnlineStateImage } from './online-image.js';
import type { FeaturePlan } from './plan.js';
import type { FeatureSpec } from './feature-spec.js';

/**
 * The snapshot file: `FOFSTATE` magic, a u32 header length, a JSON header (spec name and hash, counters,
 * section list), then each section's raw little-endian typed-array bytes, 8-byte aligned. Written to a
 * temporary file and renamed, so a crash never leaves a half-written snapshot under the final name.
 */
const MAGIC = 'FOFSTATE';
const FORMAT = 4;
/** Format 3 is format 4 without the `late` section (no late transactions). */
const READABLE_FORMATS = [3, 4];

type ArrayType = 'f64' | 'i32';
type AnyArray = Float64Array | Int32Array;

interface SectionHeader {
  name: string;
  type: ArrayType;
  length: number;
}

interface SnapshotHeader {
  format: number;
  specName: string;
  specHash: string;
  tieOrder: OnlineStateImage['tieOrder'];
  head: number;
  tail: number;
  /** null stands for −Infinity (nothing consumed yet), which JSON cannot carry. */
  lastTimeUs: number | null;
  lastId: number | null;
  consumed: number;
  duplicates: number;
  entitySlotCounts: number[];
  sections: SectionHeader[];
}

const constructors: Record<ArrayType, new (buffer: ArrayBuffer, offset: number, length: number) => AnyArray> = {
  f64: Float64Array,
  i32: Int32Array,
};

function typeOf(array: AnyArray): ArrayType {
  return array instanceof Float64Array ? 'f64' : 'i32';
}

const pad8 = (n: number) => (n + 7) & ~7;

function assertLittleEndian(): void {
  if (endianness() !== 'LE')
    throw new FeaturesError('INVALID_SNAPSHOT', 'snapshots are little-endian; this machine is not');
}

/** Serialises the state to bytes (see the file layout above). */
export function encodeOnlineSnapshot(state: OnlineFeatureState): Uint8Array {
  assertLittleEndian();
  const image = state.exportImage();
  const arrays: [string, AnyArray][] = [
    ['log.records', image.log.records],
    ['log.vectors', image.log.vectors],
    ...image.log.entitySlot.map((a, e): [string, AnyArray] => [`log.entitySlot.${e}`, a]),
    ...image.entities.map((t, e): [string, AnyArray] => [`entities.${e}.slab`, t.slab]),
    ['late', image.late ?? new Float64Array(0)],
  ];
  const header: SnapshotHeader = {
    format: FORMAT,
    specName: state.plan.spec.name,
    specHash: image.specHash,
    tieOrder: image.tieOrder,
    head: image.head,
    tail: image.tail,
    lastTimeUs: Number.isFinite(image.lastTimeUs) ? image.lastTimeUs : null,
    lastId: Number.isFinite(image.lastId) ? image.lastId : null,
    consumed: image.consumed,
    duplicates: image.duplicates,
    entitySlotCounts: image.entities.map((t) => t.slotCount),
    sections: arrays.map(([name, array]) => ({ name, type: typeOf(array), length: array.length })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const start = pad8(MAGIC.length + 4 + headerBytes.length);
  const total = arrays.reduce((size, [, array]) => size + pad8(array.byteLength), start);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  let offset = start;
  for (const [, array] of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset += pad8(array.byteLength);
  }
  return out;
}

/** Rebuilds a state from `encodeOnlineSnapshot` bytes; the spec must hash as the snapshot's did. */
export function decodeOnlineSnapshot(spec: FeatureSpec | FeaturePlan, bytes: Uint8Array): OnlineFeatureState {
  assertLittleEndian();
  const invalid = (why: string) => new FeaturesError('INVALID_SNAPSHOT', `not a usable feature-state snapshot: ${why}`);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw invalid(`missing the ${MAGIC} header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headerLength > bytes.length) throw invalid('truncated header');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)),
    ) as SnapshotHeader;
  } catch {
    throw invalid('unreadable header');
  }
  if (!READABLE_FORMATS.includes(header.format))
    throw invalid(`format ${header.format}, this build reads ${READABLE_FORMATS.join(' and ')}`);
  // Copy into an aligned buffer so that every section can be viewed in place.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  const sections = new Map<string, AnyArray>();
  let offset = pad8(MAGIC.length + 4 + headerLength);
  for (const section of header.sections) {
    const ArrayType = constructors[section.type];
    if (!ArrayType) throw invalid(`unknown section type ${section.type}`);
    const byteLength = section.length * (section.type === 'f64' ? 8 : 4);
    if (offset + byteLength > aligned.length) throw invalid(`truncated at section ${section.name}`);
    sections.set(section.name, new ArrayType(aligned.buffer, offset, section.length));
    offset += pad8(byteLength);
  }
  const get = <T extends AnyArray>(name: string): T => {
    const array = sections.get(name);
    if (!array) throw invalid(`section ${name} is missing`);
    return array as T;
  };
  const entityCount = header.entitySlotCounts.length;
  const image: OnlineStateImage = {
    specHash: header.specHash,
    tieOrder: header.tieOrder,
    head: header.head,
    tail: header.tail,
    lastTimeUs: header.lastTimeUs ?? -Infinity,
    lastId: header.lastId ?? -Infinity,
    consumed: header.consumed,
    duplicates: header.duplicates,
    log: {
      records: get('log.records'),
      vectors: get('log.vectors'),
      entitySlot: Array.from({ length: entityCount }, (_, e) => get<Int32Array>(`log.entitySlot.${e}`)),
    },
    entities: header.entitySlotCounts.map((slotCount, e) => ({
      slab: get<Float64Array>(`entities.${e}.slab`),
      slotCount,
    })),
    late: header.format >= 4 ? get<Float64Array>('late') : undefined,
  };
  return OnlineFeatureState.fromImage(spec, image);
}

/** Writes a snapshot file (atomically: a temporary file, then a rename). Returns its size in bytes. */
export async function writeOnlineSnapshot(state: OnlineFeatureState, path: string): Promise<number> {
  const bytes = encodeOnlineSnapshot(state);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
  return bytes.length;
}

/** Restores a state from a snapshot file written by `writeOnlineSnapshot`. */
export async function readOnlineSnapshot(spec: FeatureSpec | FeaturePlan, path: string): Promise<OnlineFeatureState> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FeaturesError('INVALID_SNAPSHOT', `cannot read snapshot ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return decodeOnlineSnapshot(spec, bytes);
}
