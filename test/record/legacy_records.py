# kafka-python's own message format v0/v1 code (Debian's python3-kafka), as an independent
# encoder and decoder for the up- and down-conversion tests.
#   encode: stdin JSON {"magic", "codec", "messages": [{offset, timestamp, key, value}]} (hex
#           fields) -> one message set on stdout (a wrapper when codec != 0)
#   decode: stdin message set -> JSON [{offset, timestamp, timestampType, key, value}] per record
import json
import sys

from kafka.record.legacy_records import LegacyRecordBatch, LegacyRecordBatchBuilder


def unhex(v):
    return None if v is None else bytes.fromhex(v)


def tohex(v):
    return None if v is None else bytes(v).hex()


def encode(spec):
    out = bytearray()
    if spec["codec"] == 0:
        for m in spec["messages"]:
            b = LegacyRecordBatchBuilder(spec["magic"], 0, 1 << 30)
            b.append(m["offset"], m["timestamp"], unhex(m["key"]), unhex(m["value"]))
            out += b.build()
    else:
        b = LegacyRecordBatchBuilder(spec["magic"], spec["codec"], 1 << 30)
        for m in spec["messages"]:
            b.append(m["offset"], m["timestamp"], unhex(m["key"]), unhex(m["value"]))
        out += b.build()
    return bytes(out)


def decode(data):
    mv = memoryview(data)
    pos = 0
    out = []
    while pos + 12 <= len(data):
        size = int.from_bytes(data[pos + 8:pos + 12], "big")
        if pos + 12 + size > len(data):
            break  # a partial trailing message, as old consumers skip it
        magic = data[pos + 16]
        batch = LegacyRecordBatch(mv[pos:pos + 12 + size], magic)
        assert batch.validate_crc(), "crc"
        for r in batch:
            out.append({"offset": r.offset, "timestamp": r.timestamp, "timestampType": r.timestamp_type,
                        "magic": magic, "codec": batch.compression_type,
                        "key": tohex(r.key), "value": tohex(r.value)})
        pos += 12 + size
    return out


if __name__ == "__main__":
    if sys.argv[1] == "encode":
        sys.stdout.buffer.write(encode(json.load(sys.stdin)))
    else:
        json.dump(decode(sys.stdin.buffer.read()), sys.stdout)
