// sweep-keys.yar - private-key rules for yara in bench/sweep_bench.sh: the
// forms a yara user would write for "private key material in a dump".
rule pem_private_key {
    strings:
        $a = "-----BEGIN PRIVATE KEY-----"
        $b = "-----BEGIN RSA PRIVATE KEY-----"
        $c = "-----BEGIN EC PRIVATE KEY-----"
        $d = "-----BEGIN DSA PRIVATE KEY-----"
        $e = "-----BEGIN ENCRYPTED PRIVATE KEY-----"
        $f = "-----BEGIN OPENSSH PRIVATE KEY-----"
        $w = "-----BEGIN PRIVATE KEY-----" wide
        $x = "-----BEGIN RSA PRIVATE KEY-----" wide
    condition:
        any of them
}
rule putty_private_key {
    strings:
        $a = "PuTTY-User-Key-File-"
    condition:
        $a
}
rule openssh_binary_key {
    strings:
        $a = "openssh-key-v1\x00"
    condition:
        $a
}
rule der_rsa_private_key {
    strings:
        // RSAPrivateKey: SEQUENCE, version 0, INTEGER modulus (1024-4096 bits)
        $pkcs1 = { 30 82 ?? ?? 02 01 00 02 82 01 ( 01 | 81 ) 00 }
        $pkcs1b = { 30 82 ?? ?? 02 01 00 02 82 02 01 00 }
        // PrivateKeyInfo with rsaEncryption
        $pkcs8 = { 30 82 ?? ?? 02 01 00 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 04 82 }
    condition:
        any of them
}
rule der_ec_private_key {
    strings:
        // ECPrivateKey P-256 / P-384, version 1
        $p256 = { 30 77 02 01 01 04 20 ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? ?? a0 0a 06 08 2a 86 48 ce 3d 03 01 07 }
        $p384 = { 30 81 a4 02 01 01 04 30 }
        // PrivateKeyInfo with id-ecPublicKey / Ed25519
        $pkcs8ec = { 30 ?? 02 01 00 30 13 06 07 2a 86 48 ce 3d 02 01 }
        $ed25519 = { 30 2e 02 01 00 30 05 06 03 2b 65 70 04 22 04 20 }
    condition:
        any of them
}
rule windows_key_blob {
    strings:
        $rsa2 = { 52 53 41 32 ( 00 08 | 00 0c | 00 10 ) 00 00 }
        $rsa3 = { 52 53 41 33 ( 00 08 | 00 0c | 00 10 ) 00 00 }
        $capi = { 07 02 00 00 00 a4 00 00 52 53 41 32 }
        $pvk = { 1e f1 b5 b0 00 00 00 00 }
    condition:
        any of them
}
