import { CodecError } from "./codec-error.ts";
import { readU64 } from "./le-bytes.ts";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** The error of a body that is not a well-formed `reflex.v1.CacheEntry`. */
export function malformed(message: string): CodecError {
  return new CodecError("malformed_body", `entry body: ${message}`);
}

/** Reads protobuf wire values from `bytes` at `pos`, refusing anything that runs past the end. */
export class WireReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  /** A varint of at most 32 significant bits (tags and lengths). */
  uint32(): number {
    const bytes = this.bytes;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= bytes.byteLength) throw malformed("varint runs past the end");
      const byte = bytes[this.pos++] as number;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        if (result > 0xffff_ffff) throw malformed("varint larger than 32 bits");
        return result;
      }
      multiplier *= 128;
    }
    throw malformed("varint longer than 32 bits");
  }

  /** A 64-bit varint, as a signed int64. */
  int64(): bigint {
    const bytes = this.bytes;
    let small = 0;
    let multiplier = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= bytes.byteLength) throw malformed("varint runs past the end");
      const byte = bytes[this.pos++] as number;
      small += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return BigInt(small);
      multiplier *= 128;
    }
    let big = BigInt(small);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= bytes.byteLength) throw malformed("varint runs past the end");
      const byte = bytes[this.pos++] as number;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, big);
      shift += 7n;
    }
    throw malformed("varint longer than 10 bytes");
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.bytes.byteLength) throw malformed("fixed64 runs past the end");
    const value = readU64(this.bytes, this.pos);
    this.pos += 8;
    return value;
  }

  lengthDelimited(): Uint8Array {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.bytes.byteLength) throw malformed("length-delimited field runs past the end");
    const view = this.bytes.subarray(this.pos, end);
    this.pos = end;
    return view;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw malformed(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.bytes.byteLength) throw malformed("field runs past the end");
  }
}
