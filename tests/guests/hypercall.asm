; Hypercall test guest (docs/hypercalls.md): goes to long mode with a GDT that
; has user segments and a TSS, then makes every implemented call from CPL 0 and
; from CPL 3 (entered with IRETQ, left with INT 0x80), with good and bad input:
; unmapped, kernel-only and read-only buffers, unknown numbers, the other
; vendor's instruction, and a hypercall at the top of the canonical range.
; Then the agent calls (HC_IPC, HC_CLIPBOARD, HC_DISPLAY) from CPL 3 between the
; VMs of tests/configs/hypercall.cfg (see agent_checks).
; One PASS:/FAIL: line per check, a SUMMARY line, then OUT 0xf4 (0 = all passed).

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

HC_VERSION      equ 0x0001
HC_FEATURES     equ 0x0002
HC_MEMORY_MAP   equ 0x0010
HC_TIMER        equ 0x0020
HC_IPC          equ 0x0030
HC_CLIPBOARD    equ 0x0040
HC_DISPLAY      equ 0x0050
ERR_UNKNOWN     equ -1000
ERR_BADADDR     equ -1002
ERR_NOTPERM     equ -1003
ERR_TOOBIG      equ -1005
ERR_INVALID     equ -1001
ERR_WOULDBLOCK  equ -1004
ERR_NOTFOUND    equ -1006
ERR_UNKNOWN_OP  equ -1007
ERR_CLOSED      equ -1008
IPC_OPEN        equ 0
IPC_SEND        equ 1
IPC_RECV        equ 2
IPC_PENDING     equ 3
IPC_SET_NOTIFY  equ 4
CLIP_ANNOUNCE   equ 0
CLIP_WRITE      equ 1
CLIP_READ       equ 2
CLIP_QUERY      equ 3
FMT_TEXT        equ 0
FMT_PNG         equ 1
DISP_SET_MODE   equ 0
DISP_REPORT     equ 1
DISP_POLL       equ 2
ABI_VERSION     equ 0x10000
FEAT_NEEDED     equ 0x30007             ; VERSION, FEATURES, MEMORY_MAP, CROSS_VENDOR, USER

PML4            equ 0x100000
PDPT            equ 0x101000
PD              equ 0x102000            ; 0 .. 1 GiB in 2 MiB pages
PT              equ 0x103000            ; 2 .. 4 MiB in 4 KiB pages
PDPT_TOP        equ 0x104000            ; the page at 0x7FFFFFFFF000
PD_TOP          equ 0x105000
PT_TOP          equ 0x106000
TABLE_BYTES     equ 0x7000
USER_PAGE       equ 0x280000            ; user data and stack (2.5 MiB)
KERN_PAGE       equ 0x300000            ; supervisor only
RO_PAGE         equ 0x301000            ; user, read-only
UNMAPPED        equ 0x302000            ; not present
TOP_PHYS        equ 0x303000            ; backs the top canonical page
TOP_INSN        equ 0x00007ffffffffffd
KSTACK          equ 0x7f000             ; RSP0 for interrupts from CPL 3
USER_STACK      equ USER_PAGE + 0x1000

KCODE   equ 0x08
KDATA   equ 0x10
CODE32  equ 0x18
UDATA   equ 0x20 | 3
UCODE   equ 0x28 | 3
TSS_SEL equ 0x30

        org     MHTEST_LOAD_GPA
        MHTEST_HEADER entry

        MODE_REAL
entry:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        lgdt    [gdt_desc]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     dword CODE32:prot

        bits    32
prot:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        ; Page tables: zero, then identity-map 1 GiB (user, writable) with
        ; 4 KiB pages for 2..4 MiB carrying the special pages.
        mov     edi, PML4
        mov     ecx, TABLE_BYTES / 4
        xor     eax, eax
        rep stosd
        mov     dword [PML4], PDPT | 7
        mov     dword [PML4 + 255 * 8], PDPT_TOP | 7
        mov     dword [PDPT], PD | 7
        mov     dword [PDPT_TOP + 511 * 8], PD_TOP | 7
        mov     dword [PD_TOP + 511 * 8], PT_TOP | 7
        mov     dword [PT_TOP + 511 * 8], TOP_PHYS | 7
        mov     edi, PD
        mov     eax, 0x87                       ; 2 MiB, user, writable, present
        mov     ecx, 512
.pd:    mov     [edi], eax
        add     eax, 0x200000
        add     edi, 8
        loop    .pd
        mov     dword [PD + 8], PT | 7
        mov     edi, PT
        mov     eax, 0x200007
        mov     ecx, 512
.pt:    mov     [edi], eax
        add     eax, 0x1000
        add     edi, 8
        loop    .pt
        mov     dword [PT + ((KERN_PAGE - 0x200000) >> 12) * 8], KERN_PAGE | 3
        mov     dword [PT + ((RO_PAGE - 0x200000) >> 12) * 8], RO_PAGE | 5
        mov     dword [PT + ((UNMAPPED - 0x200000) >> 12) * 8], 0
        mov     eax, PML4
        mov     cr3, eax
        mov     eax, cr4
        or      eax, 1 << 5                     ; PAE
        mov     cr4, eax
        mov     ecx, 0xc0000080
        rdmsr
        or      eax, 1 << 8                     ; LME
        wrmsr
        mov     eax, cr0
        or      eax, (1 << 31) | (1 << 16)      ; PG, WP
        mov     cr0, eax
        jmp     KCODE:long_entry

        MODE_LONG
long_entry:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     rsp, MHTEST_STACK
        call    setup_idt
        ; TSS: RSP0 for the way back from CPL 3.
        mov     rax, KSTACK
        mov     [tss + 4], rax
        mov     rax, tss
        mov     [gdt_tss + 2], ax
        shr     rax, 16
        mov     [gdt_tss + 4], al
        mov     [gdt_tss + 7], ah
        mov     ax, TSS_SEL
        ltr     ax
        ; The native instruction: VMMCALL on AMD, VMCALL elsewhere; hc_other is the other one.
        xor     eax, eax
        cpuid
        cmp     ebx, 0x68747541                 ; "Auth"
        jne     .intel
        mov     byte [hc_native + 2], 0xd9
        mov     byte [hc_other + 2], 0xc1
.intel:
        ; The top canonical page holds a hypercall instruction in its last 3 bytes.
        mov     byte [TOP_PHYS + 0xffd], 0x0f
        mov     byte [TOP_PHYS + 0xffe], 0x01
        mov     al, [hc_native + 2]
        mov     [TOP_PHYS + 0xfff], al

        call    kernel_checks
        call    user_checks
        call    agent_checks

        mov     esi, str_summary
        call    long_puts
        mov     eax, [pass_count]
        call    long_putdec
        mov     esi, str_passed
        call    long_puts
        mov     eax, [fail_count]
        call    long_putdec
        mov     esi, str_failed
        call    long_puts
        call    long_drain
        xor     eax, eax
        cmp     dword [fail_count], 0
        je      .out
        mov     al, 1
.out:   out     DEBUG_EXIT_PORT, al
.hang:  hlt
        jmp     .hang

%include "include/hc_runtime.inc"

; ------------------------------------------------------------------ checks

kernel_checks:
        ; Discovery.
        mov     eax, 0x40000000
        cpuid
        EXPECT  "cpl0: cpuid 0x40000000 signature MACR", rbx, 0x5243414d
        mov     eax, 0x40000000
        cpuid
        cmp     eax, 0x40000001
        setae   al
        movzx   eax, al
        EXPECT  "cpl0: cpuid 0x40000000 max leaf >= 0x40000001", rax, 1
        mov     eax, HC_FEATURES
        call    hc_native
        mov     [feat], rax
        mov     eax, 0x40000001
        cpuid
        shl     rbx, 32
        mov     eax, eax
        or      rax, rbx
        EXPECT  "cpl0: cpuid 0x40000001 = HC_FEATURES", rax, [feat]
        mov     eax, 0x40000001
        cpuid
        EXPECT  "cpl0: cpuid 0x40000001 ecx = abi version", rcx, ABI_VERSION
        mov     rax, [feat]
        and     rax, FEAT_NEEDED
        EXPECT  "cpl0: features list version, features, memory map, cross-vendor, user", rax, FEAT_NEEDED
        mov     rax, [feat]
        shr     rax, 63
        EXPECT  "cpl0: features bit 63 clear", rax, 0

        ; HC_VERSION.
        mov     eax, HC_VERSION
        xor     ebx, ebx
        call    hc_native
        mov     [r_rbx], rbx
        EXPECT  "cpl0: hc_version returns the abi version", rax, ABI_VERSION
        EXPECT  "cpl0: hc_version rbx = hypervisor version 0.1.0", [r_rbx], 0x10000
        mov     eax, HC_VERSION
        mov     ebx, USER_PAGE + 0x800
        mov     ecx, 64
        call    hc_native
        EXPECT  "cpl0: hc_version with buffer", rax, ABI_VERSION
        mov     eax, [USER_PAGE + 0x800]
        EXPECT  "cpl0: hc_version_info.abi_major = 1", rax, 1
        mov     eax, [USER_PAGE + 0x800 + 24]
        EXPECT  "cpl0: hc_version_info.build starts 0.1.", rax, '0.1.'
        mov     eax, HC_VERSION
        mov     ebx, USER_PAGE + 0x800
        mov     ecx, 63
        call    hc_native
        mov     [r_rbx], rbx
        EXPECT  "cpl0: hc_version small buffer -> too big", rax, ERR_TOOBIG
        EXPECT  "cpl0: hc_version small buffer: rbx = 64", [r_rbx], 64
        mov     eax, HC_VERSION
        mov     ebx, UNMAPPED
        mov     ecx, 64
        call    hc_native
        EXPECT  "cpl0: hc_version unmapped buffer -> bad address", rax, ERR_BADADDR
        mov     eax, HC_VERSION
        mov     ebx, RO_PAGE
        mov     ecx, 64
        call    hc_native
        EXPECT  "cpl0: hc_version read-only buffer (cr0.wp) -> bad address", rax, ERR_BADADDR
        mov     eax, HC_VERSION
        mov     rbx, 0x0000800000000000
        mov     ecx, 64
        call    hc_native
        EXPECT  "cpl0: hc_version non-canonical buffer -> bad address", rax, ERR_BADADDR
        mov     eax, HC_VERSION
        mov     ebx, 0x2ff000 + 4090            ; crosses into the kernel page: fine at CPL 0
        mov     ecx, 64
        call    hc_native
        EXPECT  "cpl0: hc_version buffer across pages", rax, ABI_VERSION
        mov     eax, HC_VERSION
        mov     ebx, RO_PAGE - 8
        mov     ecx, 64
        mov     qword [RO_PAGE - 8], 0
        call    hc_native
        EXPECT  "cpl0: buffer running into a read-only page -> bad address", rax, ERR_BADADDR
        mov     rax, [RO_PAGE - 8]
        EXPECT  "cpl0: ... and nothing was written", rax, 0

        ; HC_MEMORY_MAP.
        mov     eax, HC_MEMORY_MAP
        xor     ebx, ebx
        xor     ecx, ecx
        call    hc_native
        mov     [r_rbx], rbx
        EXPECT  "cpl0: hc_memory_map size query -> too big", rax, ERR_TOOBIG
        mov     rax, [r_rbx]
        xor     edx, edx
        mov     ecx, 24
        div     rcx
        mov     [map_n], rax
        EXPECT  "cpl0: hc_memory_map size is a multiple of 24", rdx, 0
        mov     eax, HC_MEMORY_MAP
        mov     ebx, USER_PAGE + 0x100
        mov     rcx, [r_rbx]
        call    hc_native
        EXPECT  "cpl0: hc_memory_map returns the entry count", rax, [map_n]
        mov     rax, [USER_PAGE + 0x100]
        EXPECT  "cpl0: hc_memory_map entry 0 at gpa 0", rax, 0
        mov     eax, [USER_PAGE + 0x100 + 16]
        EXPECT  "cpl0: hc_memory_map entry 0 is ram", rax, 1
        mov     rax, [USER_PAGE + 0x100 + 8]
        cmp     rax, 0x1000000
        setae   al
        movzx   eax, al
        EXPECT  "cpl0: hc_memory_map ram entry >= 16 MiB", rax, 1
        mov     eax, HC_MEMORY_MAP
        mov     ebx, USER_PAGE + 0x100
        mov     rcx, -1                         ; a huge capacity is only a capacity
        call    hc_native
        EXPECT  "cpl0: hc_memory_map with a huge size", rax, [map_n]
        mov     eax, HC_MEMORY_MAP
        mov     ebx, UNMAPPED
        mov     ecx, 4096
        call    hc_native
        EXPECT  "cpl0: hc_memory_map unmapped buffer -> bad address", rax, ERR_BADADDR

        ; Unknown numbers; registers preserved.
        xor     eax, eax
        call    hc_native
        EXPECT  "cpl0: rax = 0 -> unknown call", rax, ERR_UNKNOWN
        mov     rax, -1
        call    hc_native
        EXPECT  "cpl0: rax = all ones -> unknown call", rax, ERR_UNKNOWN
        mov     eax, 3
        call    hc_native
        EXPECT  "cpl0: rax = 3 -> unknown call", rax, ERR_UNKNOWN
        mov     rax, 0x100000001
        call    hc_native
        EXPECT  "cpl0: rax = 0x100000001 -> unknown call", rax, ERR_UNKNOWN
        mov     eax, HC_DISPLAY + 1
        call    hc_native
        EXPECT  "cpl0: rax = 0x51 -> unknown call", rax, ERR_UNKNOWN
        mov     rbx, 0x1111111111111111
        mov     rcx, 0x2222222222222222
        mov     rdx, 0x3333333333333333
        mov     rsi, 0x4444444444444444
        mov     rdi, 0x5555555555555555
        mov     r8, 0x6666666666666666
        mov     r15, 0x7777777777777777
        mov     eax, HC_FEATURES
        call    hc_native
        mov     rax, rcx
        xor     rax, rdx
        xor     rax, rsi
        xor     rax, rdi
        xor     rax, r8
        xor     rax, r15
        xor     rax, rbx
        mov     r9, 0x1111111111111111 ^ 0x2222222222222222 ^ 0x3333333333333333 ^ 0x4444444444444444 ^ 0x5555555555555555 ^ 0x6666666666666666 ^ 0x7777777777777777
        EXPECT  "cpl0: registers preserved", rax, r9

        ; The other vendor's instruction.
        mov     qword [resume], .after_other
        mov     qword [exc_vec], -1
        mov     eax, HC_VERSION
        xor     ebx, ebx
        call    hc_other
.after_other:
        mov     qword [resume], 0
        EXPECT  "cpl0: other vendor's instruction works", rax, ABI_VERSION
        EXPECT  "cpl0: ... without #ud", [exc_vec], -1

        ; The hypercall at the top of the canonical range: #GP(0) at it.
        mov     qword [resume], .after_top
        mov     qword [exc_vec], -1
        mov     eax, HC_VERSION
        xor     ebx, ebx
        mov     rcx, TOP_INSN
        jmp     rcx
.after_top:
        mov     [r_rbx], rax                    ; EXPECT clobbers rax
        EXPECT  "cpl0: hypercall at the top of the canonical range -> #gp", [exc_vec], 13
        EXPECT  "cpl0: ... with error code 0", [exc_err], 0
        mov     rcx, TOP_INSN
        EXPECT  "cpl0: ... at the instruction", [exc_rip], rcx
        EXPECT  "cpl0: ... and the call was not made", [r_rbx], HC_VERSION
        ret

user_checks:
        mov     r15, user_hc
        mov     eax, HC_VERSION
        xor     ebx, ebx
        call    call_user
        EXPECT  "cpl3: hc_version", rax, ABI_VERSION
        mov     eax, HC_FEATURES
        call    call_user
        EXPECT  "cpl3: hc_features", rax, [feat]
        mov     eax, HC_MEMORY_MAP
        mov     ebx, USER_PAGE + 0x100
        mov     ecx, 4096
        call    call_user
        EXPECT  "cpl3: hc_memory_map -> not permitted", rax, ERR_NOTPERM
        mov     dword [USER_PAGE + 0x900], 0
        mov     eax, HC_VERSION
        mov     ebx, USER_PAGE + 0x900
        mov     ecx, 64
        call    call_user
        EXPECT  "cpl3: hc_version into a user buffer", rax, ABI_VERSION
        mov     eax, [USER_PAGE + 0x900]
        EXPECT  "cpl3: ... written", rax, 1
        mov     eax, HC_VERSION
        mov     ebx, KERN_PAGE
        mov     ecx, 64
        call    call_user
        EXPECT  "cpl3: kernel page as buffer -> bad address", rax, ERR_BADADDR
        mov     eax, HC_VERSION
        mov     ebx, RO_PAGE
        mov     ecx, 64
        call    call_user
        EXPECT  "cpl3: read-only user page as output -> bad address", rax, ERR_BADADDR
        mov     eax, HC_VERSION
        mov     ebx, UNMAPPED
        mov     ecx, 64
        call    call_user
        EXPECT  "cpl3: unmapped buffer -> bad address", rax, ERR_BADADDR
        xor     eax, eax
        call    call_user
        EXPECT  "cpl3: rax = 0 -> unknown call", rax, ERR_UNKNOWN
        mov     rax, -1
        call    call_user
        EXPECT  "cpl3: rax = all ones -> unknown call", rax, ERR_UNKNOWN
        mov     r15, user_hc_other
        mov     eax, HC_VERSION
        xor     ebx, ebx
        call    call_user
        EXPECT  "cpl3: other vendor's instruction works", rax, ABI_VERSION
        ret

; ------------------------------------------------------------------ agent calls (two VMs)
; hc (end a of channels a2b and fill, clipboard copy-out, display seamless), hc-peer
; (end b, clipboard paste-in) and hc-none (no channel, clipboard none) run the same code;
; the role comes from HC_IPC_OPEN of "a2b".  Every agent call is made from CPL 3.

; UHC nr, rbx, rcx, rdx, rsi: the call at CPL 3; RAX and RBX come back.
%macro UHC 5
        mov     rbx, %2
        mov     rcx, %3
        mov     rdx, %4
        mov     rsi, %5
        mov     eax, %1
        mov     r15, user_hc
        call    call_user
        mov     [r_rbx], rbx
%endmacro

agent_checks:
        UHC     HC_IPC, IPC_OPEN, name_a2b, 3, 0
        cmp     rax, ERR_NOTPERM
        je      agent_none
        mov     [h_a2b], rax
        cmp     qword [r_rbx], 0
        je      agent_a
        jmp     agent_b

agent_none:
        EXPECT  "agent none: open a channel of other vms -> not permitted", rax, ERR_NOTPERM
        UHC     HC_CLIPBOARD, CLIP_QUERY, 0, 0, 0
        EXPECT  "agent none: clipboard query -> not permitted", rax, ERR_NOTPERM
        UHC     HC_CLIPBOARD, CLIP_READ, 0, text_buf, 64
        EXPECT  "agent none: clipboard read -> not permitted", rax, ERR_NOTPERM
        UHC     HC_CLIPBOARD, CLIP_ANNOUNCE, 1, 7, 0
        EXPECT  "agent none: clipboard announce -> not permitted", rax, ERR_NOTPERM
        UHC     HC_DISPLAY, DISP_SET_MODE, 1, 0, 0
        EXPECT  "agent none: display set mode -> not permitted", rax, ERR_NOTPERM
        ret

agent_a:
        EXPECT  "agent a: open a2b", [h_a2b], 0
        UHC     HC_IPC, IPC_OPEN, name_nosuch, 6, 0
        EXPECT  "agent a: open an undeclared channel -> not found", rax, ERR_NOTFOUND
        UHC     HC_IPC, 7, [h_a2b], 0, 0
        EXPECT  "agent a: unknown ipc sub-operation", rax, ERR_UNKNOWN_OP
        ; Clipboard: announce text and PNG, write both; bad content is refused.
        UHC     HC_CLIPBOARD, CLIP_ANNOUNCE, 3, 0x1234, 0
        EXPECT  "agent a: clipboard announce", rax, 0
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_TEXT, clip_text, clip_text_len
        EXPECT  "agent a: clipboard write utf-8", rax, 0
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_TEXT, bad_utf8, 4
        EXPECT  "agent a: clipboard write invalid utf-8 -> invalid", rax, ERR_INVALID
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_PNG, png_bad, png_len
        EXPECT  "agent a: clipboard png without signature -> invalid", rax, ERR_INVALID
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_PNG, png_good, png_len - 1
        EXPECT  "agent a: clipboard png with a truncated chunk -> invalid", rax, ERR_INVALID
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_PNG, png_good, png_len
        EXPECT  "agent a: clipboard png accepted", rax, 0
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_TEXT, KERN_PAGE, 4
        EXPECT  "agent a: clipboard write from a kernel page at cpl 3 -> bad address", rax, ERR_BADADDR
        UHC     HC_CLIPBOARD, CLIP_READ, FMT_TEXT, text_buf, 64
        EXPECT  "agent a: copy-out vm reads -> not permitted", rax, ERR_NOTPERM
        UHC     HC_CLIPBOARD, 9, 0, 0, 0
        EXPECT  "agent a: unknown clipboard sub-operation", rax, ERR_UNKNOWN_OP
        UHC     HC_CLIPBOARD, CLIP_QUERY, 0, 0, 0
        EXPECT  "agent a: clipboard query serial", rax, 0x1234
        EXPECT  "agent a: clipboard query formats", [r_rbx], 3
        ; Display: a window list, then bad ones.
        UHC     HC_DISPLAY, DISP_REPORT, windows, 2, 0
        EXPECT  "agent a: display report before seamless mode -> not permitted", rax, ERR_NOTPERM
        UHC     HC_DISPLAY, DISP_SET_MODE, 1, 0, 0
        EXPECT  "agent a: display seamless on", rax, 0
        UHC     HC_DISPLAY, DISP_REPORT, windows, 2, 0
        EXPECT  "agent a: display report two windows", rax, 2
        UHC     HC_DISPLAY, DISP_REPORT, win_bad_title, 1, 0
        EXPECT  "agent a: display title with invalid utf-8 -> invalid", rax, ERR_INVALID
        UHC     HC_DISPLAY, DISP_REPORT, win_dup, 2, 0
        EXPECT  "agent a: display duplicate ids -> invalid", rax, ERR_INVALID
        UHC     HC_DISPLAY, DISP_REPORT, windows, 65, 0
        EXPECT  "agent a: display 65 windows -> invalid", rax, ERR_INVALID
        UHC     HC_DISPLAY, DISP_REPORT, RO_PAGE, 1, 0
        EXPECT  "agent a: display report read from a read-only page (id 0) -> invalid", rax, ERR_INVALID
        UHC     HC_DISPLAY, DISP_REPORT, UNMAPPED, 1, 0
        EXPECT  "agent a: display report from an unmapped page -> bad address", rax, ERR_BADADDR
        UHC     HC_DISPLAY, DISP_POLL, event_buf, 31, 0
        EXPECT  "agent a: display poll into 31 bytes -> too big", rax, ERR_TOOBIG
        UHC     HC_DISPLAY, DISP_POLL, event_buf, 32, 0
        EXPECT  "agent a: display poll with no host events -> would block", rax, ERR_WOULDBLOCK
        ; IPC: the fill channel takes 16 messages, the 17th would block.
        UHC     HC_IPC, IPC_OPEN, name_fill, 4, 0
        mov     [h_fill], rax
        EXPECT  "agent a: open fill", rax, 1
        UHC     HC_IPC, IPC_SEND, [h_fill], KERN_PAGE, 4
        EXPECT  "agent a: ipc send from a kernel page at cpl 3 -> bad address", rax, ERR_BADADDR
        mov     dword [count], 0
.fill:  UHC     HC_IPC, IPC_SEND, [h_fill], msg_x, 1
        test    rax, rax
        jnz     .full
        inc     dword [count]
        cmp     dword [count], 20
        jb      .fill
.full:  EXPECT  "agent a: queue full -> would block", rax, ERR_WOULDBLOCK
        EXPECT  "agent a: ... after 16 messages", [count], 16
        UHC     HC_IPC, IPC_RECV, [h_a2b], text_buf, 64
        EXPECT  "agent a: receive against the direction -> not permitted", rax, ERR_NOTPERM
        UHC     HC_IPC, IPC_SEND, [h_a2b], msg_ping, 4097
        EXPECT  "agent a: send over 4096 bytes -> too big", rax, ERR_TOOBIG
        UHC     HC_IPC, IPC_SEND, [h_a2b], msg_ping, 4
        EXPECT  "agent a: send ping a -> b", rax, 0
        ; Wait (bounded) for hc-peer to stop: sends then fail with "closed".
        mov     r12d, 3000000
.wait:  mov     eax, HC_IPC
        mov     ebx, IPC_SEND
        mov     rcx, [h_a2b]
        mov     edx, msg_x
        mov     esi, 1
        call    hc_native
        cmp     rax, ERR_CLOSED
        je      .closed
        dec     r12d
        jnz     .wait
.closed:
        EXPECT  "agent a: send after the peer vm stopped -> closed", rax, ERR_CLOSED
        UHC     HC_IPC, IPC_OPEN, name_a2b, 3, 0
        EXPECT  "agent a: open after the peer vm stopped -> closed", rax, ERR_CLOSED
        ret

agent_b:
        EXPECT  "agent b: open a2b as end b", [r_rbx], 1
        ; Wait (bounded) for hc's message, first with a buffer too small for it.
        mov     r12d, 3000000
.wait:  mov     eax, HC_IPC
        mov     ebx, IPC_RECV
        mov     rcx, [h_a2b]
        mov     edx, text_buf
        mov     esi, 2
        call    hc_native
        cmp     rax, ERR_WOULDBLOCK
        jne     .got
        dec     r12d
        jnz     .wait
.got:   mov     [r_rbx], rbx
        EXPECT  "agent b: receive into a small buffer -> too big", rax, ERR_TOOBIG
        EXPECT  "agent b: ... with the size needed", [r_rbx], 4
        UHC     HC_IPC, IPC_PENDING, [h_a2b], 0, 0
        cmp     rax, 1
        setae   al
        movzx   eax, al
        EXPECT  "agent b: messages pending", rax, 1
        UHC     HC_IPC, IPC_RECV, [h_a2b], text_buf, 64
        EXPECT  "agent b: message a -> b delivered", rax, 4
        mov     eax, [text_buf]
        EXPECT  "agent b: ... contents ping", rax, 'ping'
        UHC     HC_IPC, IPC_SEND, [h_a2b], msg_ping, 4
        EXPECT  "agent b: send against the direction -> not permitted", rax, ERR_NOTPERM
        UHC     HC_IPC, IPC_SET_NOTIFY, [h_a2b], 0x40, 0
        EXPECT  "agent b: set notify vector", rax, 0
        UHC     HC_IPC, IPC_SET_NOTIFY, [h_a2b], 5, 0
        EXPECT  "agent b: notify vector below 32 -> invalid", rax, ERR_INVALID
        ; Clipboard: hc announced and wrote before it sent the message.
        UHC     HC_CLIPBOARD, CLIP_QUERY, 0, 0, 0
        EXPECT  "agent b: clipboard serial from a", rax, 0x1234
        UHC     HC_CLIPBOARD, CLIP_READ, FMT_TEXT, text_buf, 64
        EXPECT  "agent b: clipboard read text", rax, clip_text_len
        EXPECT  "agent b: ... total length", [r_rbx], clip_text_len
        mov     esi, clip_text
        mov     edi, text_buf
        mov     ecx, clip_text_len
        repe cmpsb
        sete    al
        movzx   eax, al
        EXPECT  "agent b: ... same text as a wrote", rax, 1
        UHC     HC_CLIPBOARD, CLIP_READ, FMT_TEXT | (3 << 32), text_buf, 4
        EXPECT  "agent b: clipboard read a chunk at offset 3", rax, 4
        mov     eax, [text_buf]
        mov     ebx, [clip_text + 3]
        EXPECT  "agent b: ... the right bytes", rax, rbx
        UHC     HC_CLIPBOARD, CLIP_READ, FMT_PNG, text_buf, 64
        EXPECT  "agent b: clipboard read png", rax, png_len
        UHC     HC_CLIPBOARD, CLIP_WRITE, FMT_TEXT, clip_text, 4
        EXPECT  "agent b: paste-in vm writes -> not permitted", rax, ERR_NOTPERM
        UHC     HC_CLIPBOARD, CLIP_ANNOUNCE, 1, 9, 0
        EXPECT  "agent b: paste-in vm announces -> not permitted", rax, ERR_NOTPERM
        UHC     HC_DISPLAY, DISP_SET_MODE, 1, 0, 0
        EXPECT  "agent b: display = none -> not permitted", rax, ERR_NOTPERM
        ret

%macro WIN 8                            ; id, flags, x, y, w, h, z, title
        dd      %1, %2, %3, %4, %5, %6, %7, 0
%%t:    db      %8, 0
        times   128 - ($ - %%t) db 0
%endmacro

        align   8
h_a2b:          dq 0
h_fill:         dq 0
count:          dq 0
name_a2b:       db "a2b"
name_fill:      db "fill"
name_nosuch:    db "nosuch"
msg_ping:       db "ping"
msg_x:          db "x"
clip_text:      db "h", 0xc3, 0xa9, "llo clipboard ", 0xe2, 0x82, 0xac
clip_text_len   equ $ - clip_text
bad_utf8:       db "a", 0xc3, 0x28, "b"
png_good:       db 0x89, "PNG", 13, 10, 26, 10
                db 0, 0, 0, 13, "IHDR", 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89
                db 0, 0, 0, 0, "IEND", 0xae, 0x42, 0x60, 0x82
png_len         equ $ - png_good
png_bad:        db "GIF89a", 0, 0
                db 0, 0, 0, 13, "IHDR", 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89
                db 0, 0, 0, 0, "IEND", 0xae, 0x42, 0x60, 0x82
        align   8
windows:        WIN 7, 3, 10, 20, 640, 480, 0, "Terminal"
                WIN 9, 1, -5, 0, 300, 200, 1, {"Caf", 0xc3, 0xa9}
win_bad_title:  WIN 3, 1, 0, 0, 100, 100, 0, {"x", 0xc3, 0x28}
win_dup:        WIN 4, 1, 0, 0, 100, 100, 0, "one"
                WIN 4, 1, 0, 0, 100, 100, 1, "two"
event_buf:      times 32 db 0
text_buf:       times 64 db 0

; ------------------------------------------------------------------ data

        align   8
gdt:    dq      0
        dq      0x00af9a000000ffff      ; KCODE: 64-bit
        dq      0x00cf92000000ffff      ; KDATA
        dq      0x00cf9a000000ffff      ; CODE32
        dq      0x00cff2000000ffff      ; UDATA (DPL 3)
        dq      0x00affa000000ffff      ; UCODE: 64-bit, DPL 3
gdt_tss:
        dw      103, 0                  ; TSS: limit, base 15:0 (filled in)
        db      0, 0x89, 0, 0           ; base 23:16, available 64-bit TSS, base 31:24
        dd      0, 0                    ; base 63:32, reserved
gdt_end:
gdt_desc:
        dw      gdt_end - gdt - 1
        dd      gdt
idt_desc:
        dw      256 * 16 - 1
        dq      idt

        align   8
pass_count:     dd 0
fail_count:     dd 0
got:            dq 0
want:           dq 0
feat:           dq 0
r_rbx:          dq 0
map_n:          dq 0
saved_ksp:      dq 0
resume:         dq 0
exc_vec:        dq 0
exc_err:        dq 0
exc_rip:        dq 0

str_pass:       db "PASS: hypercall: ", 0
str_fail:       db "FAIL: hypercall: ", 0
str_got:        db " (got ", 0
str_want:       db ", expected ", 0
str_close:      db ")", 10, 0
str_summary:    db "SUMMARY: ", 0
str_passed:     db " passed, ", 0
str_failed:     db " failed", 10, 0
str_unexpected: db "FAIL: hypercall: unexpected exception ", 0
str_at:         db " at ", 0

        section .rodata follows=.text
        section .bss follows=.rodata nobits align=16
tss:    resb    104
        alignb  16
idt:    resb    256 * 16
