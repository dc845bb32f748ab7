#!/usr/bin/python3
"""Independent RecordBatch v2 decoder for Samsa's tests.

Reads concatenated batches from the file named on the command line (or stdin), checks each
CRC32C, decompresses with the Python codec libraries (stdlib gzip; python3-snappy, python3-lz4,
python3-zstandard from Debian) and prints one JSON document: a list of batches, each with its
header fields and records (key/value/header values as hex, null kept as null).
"""
import gzip
import json
import struct
import sys


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def snappy_decompress(data):
    import snappy
    if data[:8] == b'\x82SNAPPY\x00':
        out, pos = b'', 16
        while pos < len(data):
            (n,) = struct.unpack_from('>i', data, pos)
            out += snappy.uncompress(data[pos + 4:pos + 4 + n])
            pos += 4 + n
        return out
    return snappy.uncompress(data)


def decompress(codec, data):
    if codec == 0:
        return data
    if codec == 1:
        return gzip.decompress(data)
    if codec == 2:
        return snappy_decompress(data)
    if codec == 3:
        import lz4.frame
        return lz4.frame.decompress(data)
    if codec == 4:
        import zstandard
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise ValueError('unknown codec %d' % codec)


class Reader:
    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def uvarint(self):
        shift = result = 0
        while True:
            b = self.buf[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def varint(self):
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def bytes_or_null(self):
        n = self.varint()
        if n < 0:
            return None
        v = self.buf[self.pos:self.pos + n]
        self.pos += n
        return v


def hexornull(b):
    return None if b is None else b.hex()


def decode(buf):
    batches, pos = [], 0
    while pos < len(buf):
        (base_offset, batch_length, leader_epoch, magic, crc, attrs, last_delta, base_ts, max_ts,
         pid, pepoch, base_seq, count) = struct.unpack_from('>qiibIhiqqqhii', buf, pos)
        end = pos + 12 + batch_length
        if magic != 2:
            raise ValueError('magic %d' % magic)
        if crc32c(buf[pos + 21:end]) != crc:
            raise ValueError('crc mismatch at %d' % pos)
        codec = attrs & 7
        section = decompress(codec, buf[pos + 61:end])
        r = Reader(section)
        records = []
        for _ in range(count):
            length = r.varint()
            start = r.pos
            r.pos += 1
            ts_delta = r.varint()
            off_delta = r.varint()
            key = r.bytes_or_null()
            value = r.bytes_or_null()
            headers = []
            for _ in range(r.varint()):
                hk = r.bytes_or_null()
                headers.append({'key': hk.decode('utf-8'), 'value': hexornull(r.bytes_or_null())})
            if r.pos - start != length:
                raise ValueError('record length mismatch')
            records.append({'offset': base_offset + off_delta, 'timestamp': base_ts + ts_delta,
                            'key': hexornull(key), 'value': hexornull(value), 'headers': headers})
        if r.pos != len(section):
            raise ValueError('trailing bytes in records section')
        batches.append({'baseOffset': base_offset, 'partitionLeaderEpoch': leader_epoch,
                        'attributes': attrs, 'lastOffsetDelta': last_delta, 'baseTimestamp': base_ts,
                        'maxTimestamp': max_ts, 'producerId': pid, 'producerEpoch': pepoch,
                        'baseSequence': base_seq, 'records': records})
        pos = end
    return batches


if __name__ == '__main__':
    data = open(sys.argv[1], 'rb').read() if len(sys.argv) > 1 else sys.stdin.buffer.read()
    json.dump(decode(data), sys.stdout)
