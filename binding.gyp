{
  "targets": [
    {
      "target_name": "samsa_native",
      "sources": ["native/addon.c", "native/sendfile.c", "native/crc32c.c", "native/dup.c", "native/lock.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
