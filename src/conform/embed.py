#!/usr/bin/env python3
"""Writes a C file holding a binary file's bytes: embed.py IN OUT NAME
gives `const unsigned char NAME[]` and `const unsigned long NAME_len`."""
import sys

src, out, name = sys.argv[1:4]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* Generated from %s by embed.py: do not edit. */\n' % src.split('/')[-1])
    f.write('extern const unsigned char %s[];\nextern const unsigned long %s_len;\n' % (name, name))
    f.write('const unsigned long %s_len = %d;\n' % (name, len(data)))
    f.write('const unsigned char %s[] = {\n' % name)
    for i in range(0, len(data), 16):
        f.write('\t' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',\n')
    f.write('};\n')
