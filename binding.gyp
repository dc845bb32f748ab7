{
  "targets": [
    {
      "target_name": "samsa_native",
      "sources": ["native/sendfile.c"],
      "cflags": ["-O2", "-Wall"],
      "conditions": [["OS!='linux'", {"sources!": ["native/sendfile.c"]}]]
    }
  ]
}
