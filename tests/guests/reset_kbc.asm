; reset.asm through the 8042: command 0xFE to port 0x64 (the keyboard controller's reset pulse).
%define RESET_KBC
%include "reset.asm"
