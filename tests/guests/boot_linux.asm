; Linux boot-format guest: a minimal bzImage (setup header, protocol 2.15, XLF_KERNEL_64) whose
; "kernel" is a 64-bit check at the 64-bit entry point.  Run with itself as the initrd and
; "linux boot check" as the command line in a 32 MiB VM (tests/configs/boot.cfg); checks the
; start state and boot_params (docs/guest.md, "Boot"), then exits through isa-debug-exit.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"
%include "include/bootcheck.inc"

SETUP_SECTS     equ 4
PM_ADDR         equ 0x200000            ; pref_address: where the loader puts the kernel
INIT_SIZE       equ 0x100000

        MODE_LONG
        org     PM_ADDR - (SETUP_SECTS + 1) * 512

image:
        times 0x1f1 - ($ - image) db 0
        db      SETUP_SECTS             ; 0x1f1 setup_sects
        dw      0                       ; root_flags
        dd      (pm_end - pm_start + 15) / 16 ; syssize
        dw      0, 0xffff, 0            ; ram_size, vid_mode, root_dev
        dw      0xaa55                  ; 0x1fe boot_flag
        db      0xeb, hdr_end - image - 0x202 ; 0x200 jump: the header's end
        db      "HdrS"                  ; 0x202
        dw      0x020f                  ; 0x206 version 2.15
        dd      0                       ; realmode_swtch
        dw      0, 0                    ; start_sys_seg, kernel_version
        db      0                       ; 0x210 type_of_loader
        db      1                       ; 0x211 loadflags: LOADED_HIGH
        dw      0                       ; setup_move_size
        dd      0x100000                ; 0x214 code32_start
        dd      0, 0                    ; 0x218 ramdisk_image, ramdisk_size
        dd      0                       ; bootsect_kludge
        dw      0                       ; 0x224 heap_end_ptr
        db      0, 0                    ; ext_loader_ver, ext_loader_type
        dd      0                       ; 0x228 cmd_line_ptr
        dd      0x7fffffff              ; 0x22c initrd_addr_max
        dd      0x200000                ; 0x230 kernel_alignment
        db      1, 21                   ; 0x234 relocatable_kernel, min_alignment
        dw      3                       ; 0x236 xloadflags: KERNEL_64, CAN_BE_LOADED_ABOVE_4G
        dd      255                     ; 0x238 cmdline_size
        dd      0                       ; hardware_subarch
        dq      0                       ; hardware_subarch_data
        dd      0, 0                    ; payload_offset, payload_length
        dq      0                       ; 0x250 setup_data
        dq      PM_ADDR                 ; 0x258 pref_address
        dd      INIT_SIZE               ; 0x260 init_size
        dd      0, 0                    ; handover_offset, kernel_info_offset
hdr_end:
        times (SETUP_SECTS + 1) * 512 - ($ - image) db 0

pm_start:                               ; = PM_ADDR
        times 0x200 db 0xf4             ; the 32-bit entry: not used
startup_64:
        mov     [saved_rsi], rsi
        pushfq
        pop     qword [saved_flags]
        mov     rsp, PM_ADDR + INIT_SIZE

        lea     rax, [rel startup_64]
        cmp     rax, startup_64
        EXPECT  e, "entered at pref_address + 0x200"
        test    dword [saved_flags], 0x200
        EXPECT  z, "interrupts disabled"
        mov     rax, cr0
        and     eax, 0x80000001
        cmp     eax, 0x80000001
        EXPECT  e, "protected mode with paging"
        mov     rax, cr4
        test    eax, 0x20
        EXPECT  nz, "cr4.pae"
        mov     ecx, 0xc0000080
        rdmsr
        test    eax, 0x400
        EXPECT  nz, "efer.lma"
        mov     ax, cs
        cmp     ax, 0x10
        EXPECT  e, "cs is __boot_cs"
        mov     ax, ds
        cmp     ax, 0x18
        EXPECT  e, "ds is __boot_ds"
        mov     ax, ss
        cmp     ax, 0x18
        EXPECT  e, "ss is __boot_ds"

        mov     rbx, [saved_rsi]
        cmp     dword [rbx + 0x202], "HdrS"
        EXPECT  e, "boot_params: setup header copied"
        cmp     byte [rbx + 0x210], 0xff
        EXPECT  e, "boot_params: type_of_loader"
        mov     al, [rbx + 0x211]
        and     al, 0x81
        cmp     al, 0x81
        EXPECT  e, "boot_params: loadflags loaded_high, can_use_heap"
        mov     esi, [rbx + 0x228]
        mov     edi, want_cmdline
        call    bc_streq
        EXPECT  e, "boot_params: cmd_line_ptr"
        cmp     qword [rbx + 0x70], 0xe0000
        EXPECT  e, "boot_params: acpi_rsdp_addr"
        mov     eax, [rbx + 0x218]
        test    eax, 0xfff
        EXPECT  z, "boot_params: ramdisk page-aligned"
        cmp     eax, PM_ADDR + INIT_SIZE
        EXPECT  ae, "boot_params: ramdisk above init_size"
        cmp     dword [rbx + 0x21c], file_end - image
        EXPECT  e, "boot_params: ramdisk_size"
        cmp     dword [rax + 0x202], "HdrS"
        EXPECT  e, "boot_params: ramdisk holds the initrd"
        cmp     byte [rbx + 0x1e8], 6
        EXPECT  e, "boot_params: 6 e820 entries"
        cmp     qword [rbx + 0x2d0 + 8], 0x9f000
        EXPECT  e, "boot_params: e820 ram to 0x9f000"
        cmp     dword [rbx + 0x2d0 + 2 * 20 + 16], 1
        EXPECT  e, "boot_params: e820 ram from 1 mib"
        mov     rax, (32 << 20) - 0x100000
        cmp     qword [rbx + 0x2d0 + 2 * 20 + 8], rax
        EXPECT  e, "boot_params: e820 ram to the end"
        jmp     bc_finish

        SERIAL_LIB long
        BOOTCHECK_LIB long, "linux"

want_cmdline:   db "linux boot check", 0
        align   8
saved_rsi:      dq 0
saved_flags:    dq 0
        align   16
pm_end:
file_end:
