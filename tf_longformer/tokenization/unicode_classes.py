"""RE2 character classes equal to those of the `tokenizers` library's byte-level pre-tokenizer.

GPT-2's pre-tokenization regex uses `\\p{L}`, `\\p{N}` and `\\s`; `tokenizers` (0.22) compiles it
with Oniguruma, TensorFlow's `tf.strings` ops use RE2. Measured over every code point
(U+0000-U+10FFFF without surrogates, one `pre_tokenize_str` call per class and code point):

- Oniguruma knows the letters and numbers that Unicode 16.0 added (Garay, Gurung Khema,
  Kirat Rai, Sunuwar, Todhri, Tulu-Tigalari, Ol Onal, Egyptian hieroglyphs extended, CJK
  extension I, ...); RE2's tables are older. `LETTER` and `NUMBER` add those ranges (22 and
  7 ranges) to RE2's classes, so both sides classify every code point alike.
- Oniguruma's `\\s` is Unicode's White_Space property (25 code points), RE2's `\\s` only
  `[\\t\\n\\f\\r ]`: `WHITESPACE` lists them. It is also Rust's `char::is_whitespace`, which the
  added tokens' `lstrip`/`rstrip` use.

`tests/tokenization/test_graph_bpe.py` re-measures the classes against the installed
`tokenizers` on a sample of code points, so a newer Unicode version there shows up as a test
failure rather than as different token ids.
"""

_LETTER_ADDITIONS = (
    r"\x{1c89}-\x{1c8a}\x{a7cb}-\x{a7cd}\x{a7da}-\x{a7dc}\x{105c0}-\x{105f3}\x{10d4a}-\x{10d65}"
    r"\x{10d6f}-\x{10d85}\x{10ec2}-\x{10ec4}\x{11380}-\x{11389}\x{1138b}\x{1138e}\x{11390}-\x{113b5}"
    r"\x{113b7}\x{113d1}\x{113d3}\x{11bc0}-\x{11be0}\x{13460}-\x{143fa}\x{16100}-\x{1611d}"
    r"\x{16d40}-\x{16d6c}\x{18cff}\x{1e5d0}-\x{1e5ed}\x{1e5f0}\x{2ebf0}-\x{2ee5d}"
)
_NUMBER_ADDITIONS = (
    r"\x{10d40}-\x{10d49}\x{116d0}-\x{116e3}\x{11bf0}-\x{11bf9}\x{16130}-\x{16139}\x{16d70}-\x{16d79}"
    r"\x{1ccf0}-\x{1ccf9}\x{1e5f1}-\x{1e5fa}"
)

#: One letter (`\p{L}` as `tokenizers` sees it).
LETTER = rf"[\p{{L}}{_LETTER_ADDITIONS}]"
#: One number (`\p{N}` as `tokenizers` sees it).
NUMBER = rf"[\p{{N}}{_NUMBER_ADDITIONS}]"
#: One whitespace character (Unicode White_Space: Oniguruma's `\s`, Rust's `char::is_whitespace`).
WHITESPACE = r"[\t\n\x{0b}\f\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
