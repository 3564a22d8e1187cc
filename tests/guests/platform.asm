; Platform-device test guest (docs/guest.md, "Devices", "ACPI", "PCI"), all from real mode:
; the ACPI PM timer and PM1a_CNT, PIT channel 2 through port 0x61 timed against the PM timer
; (as Linux calibrates the TSC), PIT read-back, the RTC (registers B/D, NVRAM, SET, UIP and the
; seconds ticking over), PCI configuration mechanism #1, fw_cfg, the 8042 self-test, and the
; ACPI tables in RAM (RSDP, RSDT, FADT, MADT).  One PASS:/FAIL: line per check, a SUMMARY
; line, then an ACPI S5 power-off through PM1a_CNT (isa-debug-exit 1 if anything failed).
; Run with 2 vCPUs (tests/configs/platform.cfg): the MADT and fw_cfg must say so.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

PM1A_CNT        equ 0x604
PM_TMR          equ 0x608
PM_HZ           equ 3579545
SLP_S5          equ (5 << 10) | 0x2000 | 1      ; SLP_TYP 5, SLP_EN, SCI_EN
PIT_TICKS_10MS  equ 11932
PM_10MS         equ 35795                       ; 11932 PIT ticks in PM timer ticks
POLL_LIMIT      equ 20000000
VCPUS           equ 2
ACPI_SEG        equ 0xe000                      ; the tables at 0xE0000

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

        ; ---- ACPI PM timer and control
        mov     dx, PM_TMR
        in      eax, dx
        mov     ebx, eax
        mov     ecx, 1000
.pm_spin:
        in      eax, dx
        dec     ecx
        jnz     .pm_spin
        sub     eax, ebx
        mov     ebx, 1
        mov     edx, PM_HZ * 10                 ; and by less than 10 s: not garbage
        mov     esi, n_pmtmr
        call    check_range
        mov     dx, PM1A_CNT
        in      ax, dx
        movzx   eax, ax
        mov     edx, 1
        mov     esi, n_sci_en
        call    check_eq

        ; ---- PIT channel 2, mode 0, 10 ms, the way Linux's pit_calibrate_tsc() does it.
        ; Both clocks follow host time, so the bounds hold however slow the exits are: OUT2
        ; must not rise before 10 ms of PM time after the count, nor be low after that.
        in      al, 0x61
        and     al, 0xfd
        or      al, 0x01
        out     0x61, al
        mov     al, 0xb0
        out     0x43, al
        mov     dx, PM_TMR
        in      eax, dx
        mov     [t_pre], eax                    ; before the count is loaded
        mov     al, PIT_TICKS_10MS & 0xff
        out     0x42, al
        mov     al, PIT_TICKS_10MS >> 8
        out     0x42, al
        mov     dx, PM_TMR
        in      eax, dx
        mov     [t0], eax                       ; after it is loaded
        in      al, 0x61
        movzx   ebx, al
        and     ebx, 0x20
        call    pit_counted_out                 ; OUT2 may be high only after 10 ms
        mov     eax, ebx
        xor     edx, edx
        mov     esi, n_out2_low
        call    check_eq
        mov     byte [late_low], 0
.pit_wait:
        mov     dx, PM_TMR
        in      eax, dx
        mov     edi, eax                        ; PM time before the sample
        in      al, 0x61
        test    al, 0x20
        jnz     .pit_high
        mov     eax, edi
        sub     eax, [t0]
        cmp     eax, PM_10MS + 2                ; low this late: the PIT runs slow
        jb      .pit_wait_on
        mov     byte [late_low], 1
.pit_wait_on:
        cmp     eax, PM_HZ                      ; give up after a second
        jb      .pit_wait
.pit_high:
        mov     dx, PM_TMR
        in      eax, dx
        sub     eax, [t_pre]
        mov     ebx, PM_10MS - 1                ; the clocks' rounding
        mov     edx, 0xffffffff
        mov     esi, n_pit_early
        call    check_range
        movzx   eax, byte [late_low]
        xor     edx, edx
        mov     esi, n_pit_late
        call    check_eq
        ; read-back of channel 2: status (OUT low, count loaded, lohi, mode 0), then the count
        mov     dx, PM_TMR
        in      eax, dx
        mov     [t_pre], eax                    ; the count is loaded after this
        mov     al, 0xb0
        out     0x43, al
        mov     al, PIT_TICKS_10MS & 0xff
        out     0x42, al
        mov     al, PIT_TICKS_10MS >> 8
        out     0x42, al
        mov     al, 0xe8                        ; read-back: status only, channel 2
        out     0x43, al
        in      al, 0x42
        movzx   ebx, al
        and     ebx, 0x80
        call    pit_counted_out                 ; OUT (bit 7) may be high only after 10 ms
        movzx   eax, al
        and     eax, 0x7f
        or      eax, ebx
        mov     edx, 0x30
        mov     esi, n_pit_status
        call    check_eq
        mov     al, 0xb0                        ; 0xFFFF ticks (55 ms), then latch
        out     0x43, al
        mov     al, 0xff
        out     0x42, al
        out     0x42, al
        mov     al, 0x80                        ; counter latch, channel 2
        out     0x43, al
        in      al, 0x42
        mov     bl, al
        in      al, 0x42
        mov     bh, al
        movzx   eax, bx
        mov     ebx, 1
        mov     edx, 0xfffe                     ; counting down from 0xFFFF
        mov     esi, n_pit_latch
        call    check_range

        ; ---- RTC
        mov     al, 0x0d
        call    rtc_read
        mov     edx, 0x80
        mov     esi, n_rtc_d
        call    check_eq
        mov     al, 0x0b
        call    rtc_read
        mov     edx, 0x02
        mov     esi, n_rtc_b
        call    check_eq
        mov     al, 0x32
        call    rtc_read
        mov     edx, 0x20
        mov     esi, n_rtc_century
        call    check_eq
        mov     al, 0x40
        mov     ah, 0x5a
        call    rtc_write
        mov     al, 0x40
        call    rtc_read
        mov     edx, 0x5a
        mov     esi, n_rtc_nvram
        call    check_eq
        mov     al, 0x15                        ; base memory in KiB
        call    rtc_read
        mov     bl, al
        mov     al, 0x16
        call    rtc_read
        mov     ah, al
        mov     al, bl
        movzx   eax, ax
        mov     edx, 0x9f000 >> 10
        mov     esi, n_rtc_basemem
        call    check_eq
        ; the seconds tick over within 1.2 s of PM time; UIP is clear just after an update
        ; (the 244 us before one are too short to sample reliably through exits)
        xor     al, al
        call    rtc_read
        mov     [sec0], al
        mov     dx, PM_TMR
        in      eax, dx
        mov     [t0], eax
.tick_wait:
        xor     al, al
        call    rtc_read
        cmp     al, [sec0]
        jne     .ticked
        mov     dx, PM_TMR
        in      eax, dx
        sub     eax, [t0]
        cmp     eax, PM_HZ / 10 * 12
        jb      .tick_wait
.ticked:
        xor     al, al
        call    rtc_read
        cmp     al, [sec0]
        setne   al
        movzx   eax, al
        mov     edx, 1
        mov     esi, n_rtc_tick
        call    check_eq
        mov     al, 0x0a
        call    rtc_read
        mov     edx, 0x26                       ; divider on, 1024 Hz, UIP clear
        mov     esi, n_rtc_uip
        call    check_eq
        ; set the year with SET, as Linux's mc146818_set_time does
        mov     al, 0x0b
        mov     ah, 0x82
        call    rtc_write
        mov     al, 0x09
        mov     ah, 0x30
        call    rtc_write
        mov     al, 0x0b
        mov     ah, 0x02
        call    rtc_write
        mov     al, 0x09
        call    rtc_read
        mov     edx, 0x30
        mov     esi, n_rtc_set
        call    check_eq

        ; ---- PCI configuration mechanism #1
        mov     eax, 0x80000000
        call    pci_read
        mov     edx, 0x00081b36
        mov     esi, n_pci_ids
        call    check_eq
        mov     eax, 0x80000008
        call    pci_read
        shr     eax, 8
        mov     edx, 0x060000
        mov     esi, n_pci_class
        call    check_eq
        mov     eax, 0x80000800                 ; 00:01.0
        call    pci_read
        mov     edx, 0xffffffff
        mov     esi, n_pci_empty
        call    check_eq
        mov     dx, 0xcf8
        mov     eax, 0x80000000
        out     dx, eax
        mov     dx, 0xcfe
        in      ax, dx
        movzx   eax, ax
        mov     edx, 0x0008
        mov     esi, n_pci_word
        call    check_eq

        ; ---- fw_cfg
        xor     ax, ax
        call    fwcfg_select
        call    fwcfg_dword
        mov     edx, 'QEMU'
        mov     esi, n_fwcfg_sig
        call    check_eq
        mov     ax, 5
        call    fwcfg_select
        call    fwcfg_dword
        mov     edx, VCPUS                      ; 2 bytes, then zeros past the end
        mov     esi, n_fwcfg_cpus
        call    check_eq

        ; ---- 8042
        in      al, 0x64
        movzx   eax, al
        and     eax, 0x03
        xor     edx, edx
        mov     esi, n_kbc_status
        call    check_eq
        mov     al, 0xaa
        out     0x64, al
        in      al, 0x64
        and     al, 0x01
        jz      .kbc_empty
        in      al, 0x60
.kbc_empty:
        movzx   eax, al
        mov     edx, 0x55
        mov     esi, n_kbc_test
        call    check_eq

        ; ---- ACPI tables at 0xE0000
        mov     ax, ACPI_SEG
        mov     es, ax
        mov     eax, [es:0]
        mov     edx, 'RSD '
        mov     esi, n_rsdp_sig
        call    check_eq
        xor     bx, bx
        mov     cx, 20
        call    acpi_sum
        xor     edx, edx
        mov     esi, n_rsdp_sum
        call    check_eq
        mov     cx, 36
        call    acpi_sum
        xor     edx, edx
        mov     esi, n_rsdp_xsum
        call    check_eq
        movzx   eax, byte [es:15]
        mov     edx, 2
        mov     esi, n_rsdp_rev
        call    check_eq
        mov     eax, [es:16]                    ; the RSDT
        sub     eax, ACPI_SEG << 4
        mov     bx, ax
        mov     [rsdt], bx
        mov     eax, [es:bx]
        mov     edx, 'RSDT'
        mov     esi, n_rsdt_sig
        call    check_eq
        mov     cx, [es:bx + 4]
        call    acpi_sum
        xor     edx, edx
        mov     esi, n_rsdt_sum
        call    check_eq
        mov     bx, [rsdt]
        mov     eax, [es:bx + 36]               ; first entry: the FADT
        sub     eax, ACPI_SEG << 4
        mov     bx, ax
        mov     eax, [es:bx]
        mov     edx, 'FACP'
        mov     esi, n_fadt_sig
        call    check_eq
        movzx   eax, word [es:bx + 46]
        mov     edx, 9
        mov     esi, n_fadt_sci
        call    check_eq
        mov     eax, [es:bx + 64]
        mov     edx, PM1A_CNT
        mov     esi, n_fadt_pm1a
        call    check_eq
        mov     bx, [rsdt]
        mov     eax, [es:bx + 40]               ; second entry: the MADT
        sub     eax, ACPI_SEG << 4
        mov     bx, ax
        mov     eax, [es:bx]
        mov     edx, 'APIC'
        mov     esi, n_madt_sig
        call    check_eq
        mov     cx, [es:bx + 4]                 ; count processor local APIC entries
        add     cx, bx
        add     bx, 44
        xor     eax, eax
.madt_next:
        cmp     bx, cx
        jae     .madt_done
        cmp     byte [es:bx], 0
        jne     .madt_skip
        inc     eax
.madt_skip:
        movzx   dx, byte [es:bx + 1]
        test    dx, dx
        jz      .madt_done
        add     bx, dx
        jmp     .madt_next
.madt_done:
        mov     edx, VCPUS
        mov     esi, n_madt_cpus
        call    check_eq
        xor     ax, ax
        mov     es, ax

        ; ---- summary, then power off through ACPI S5
        mov     esi, s_summary
        call    real_puts
        mov     eax, [passed]
        call    real_putdec
        mov     esi, s_passed
        call    real_puts
        mov     eax, [failed]
        call    real_putdec
        mov     esi, s_failed
        call    real_puts
        call    real_drain
        cmp     dword [failed], 0
        jne     .exit_fail
        mov     dx, PM1A_CNT
        mov     ax, SLP_S5
        out     dx, ax
        mov     esi, n_s5_returned
        call    real_puts
        call    real_drain
.exit_fail:
        mov     al, 1
        out     DEBUG_EXIT_PORT, al
.hang:
        jmp     .hang

; al = CMOS index (NMI mask bit set); returns the value in al, rest of eax cleared.
rtc_read:
        or      al, 0x80
        out     0x70, al
        in      al, 0x71
        movzx   eax, al
        ret

; al = index, ah = value.
rtc_write:
        or      al, 0x80
        out     0x70, al
        mov     al, ah
        out     0x71, al
        ret

; eax = CF8 address; returns the dword at 0xCFC.
pci_read:
        push    dx
        mov     dx, 0xcf8
        out     dx, eax
        mov     dx, 0xcfc
        in      eax, dx
        pop     dx
        ret

; ax = key.
fwcfg_select:
        push    dx
        mov     dx, 0x510
        out     dx, ax
        pop     dx
        ret

; Four data bytes, little-endian, into eax.
fwcfg_dword:
        push    cx
        push    dx
        mov     dx, 0x511
        mov     cx, 4
.next:
        in      al, dx
        ror     eax, 8
        dec     cx
        jnz     .next
        pop     dx
        pop     cx
        ret

; es:bx = bytes, cx = count; eax = their sum modulo 256.
acpi_sum:
        push    bx
        push    cx
        xor     eax, eax
.add:
        add     al, [es:bx]
        inc     bx
        dec     cx
        jnz     .add
        pop     cx
        pop     bx
        ret

; esi = name, eax = got, edx = want.
; ebx = an OUT bit as just read.  A busy host may stop the emulator for longer than the
; 10 ms count between two guest instructions: once 10 ms of PM time have passed since
; [t_pre], OUT may be high, and ebx is cleared.  eax and edx are kept.
pit_counted_out:
        push    eax
        push    edx
        mov     dx, PM_TMR
        in      eax, dx
        sub     eax, [t_pre]
        and     eax, 0xffffff                   ; the PM timer is 24 bits wide
        cmp     eax, PM_10MS - 1
        jb      .counting
        xor     ebx, ebx
.counting:
        pop     edx
        pop     eax
        ret

check_eq:
        cmp     eax, edx
        jne     .fail
        jmp     pass
.fail:
        call    fail_head
        push    esi
        mov     esi, s_want
        call    real_puts
        mov     eax, edx
        call    real_puthex
        mov     esi, s_close
        call    real_puts
        pop     esi
        ret

; esi = name, eax = got, ebx = lowest and edx = highest acceptable value.
check_range:
        cmp     eax, ebx
        jb      .fail
        cmp     eax, edx
        ja      .fail
        jmp     pass
.fail:
        call    fail_head
        push    esi
        mov     esi, s_range
        call    real_puts
        mov     eax, ebx
        call    real_putdec
        mov     esi, s_dots
        call    real_puts
        mov     eax, edx
        call    real_putdec
        mov     esi, s_close
        call    real_puts
        pop     esi
        ret

pass:
        push    esi
        mov     esi, s_pass
        call    real_puts
        pop     esi
        call    real_puts
        push    esi
        mov     esi, s_nl
        call    real_puts
        pop     esi
        inc     dword [passed]
        ret

; "FAIL: platform: name (got 0x..", eax = got.
fail_head:
        push    esi
        push    esi
        mov     esi, s_fail
        call    real_puts
        pop     esi
        call    real_puts
        mov     esi, s_got
        call    real_puts
        call    real_puthex
        pop     esi
        inc     dword [failed]
        ret

        SERIAL_LIB real

passed:         dd 0
failed:         dd 0
t0:             dd 0
t_pre:          dd 0
late_low:       db 0
rsdt:           dw 0
sec0:           db 0

s_pass:         db "PASS: platform: ", 0
s_fail:         db "FAIL: platform: ", 0
s_got:          db " (got ", 0
s_want:         db ", want ", 0
s_range:        db ", want ", 0
s_dots:         db "..", 0
s_close:        db ")"
s_nl:           db 10, 0
s_summary:      db "SUMMARY: ", 0
s_passed:       db " passed, ", 0
s_failed:       db " failed", 10, 0
n_s5_returned:  db "FAIL: platform: the S5 write to PM1a_CNT returned", 10, 0

n_pmtmr:        db "pm timer advances", 0
n_sci_en:       db "pm1a_cnt reads sci_en", 0
n_out2_low:     db "pit channel 2 out low while counting", 0
n_pit_early:    db "pit channel 2 out2 rises no earlier than 10 ms of pm timer time", 0
n_pit_late:     db "pit channel 2 out2 never low after 10 ms of pm timer time", 0
n_pit_status:   db "pit read-back status of channel 2", 0
n_pit_latch:    db "pit latched count of channel 2", 0
n_rtc_d:        db "rtc register d reads vrt", 0
n_rtc_b:        db "rtc register b: 24-hour bcd", 0
n_rtc_century:  db "rtc century byte", 0
n_rtc_nvram:    db "rtc nvram keeps a byte", 0
n_rtc_basemem:  db "rtc nvram base memory", 0
n_rtc_uip:      db "rtc register a just after an update: uip clear", 0
n_rtc_tick:     db "rtc seconds tick over within 1.2 s", 0
n_rtc_set:      db "rtc year set under set", 0
n_pci_ids:      db "pci 00.0 is 1b36:0008", 0
n_pci_class:    db "pci 00.0 class is a host bridge", 0
n_pci_empty:    db "pci empty slot reads all ones", 0
n_pci_word:     db "pci word read at 0xcfe", 0
n_fwcfg_sig:    db "fw_cfg signature", 0
n_fwcfg_cpus:   db "fw_cfg cpu count", 0
n_kbc_status:   db "8042 status: no data, input buffer empty", 0
n_kbc_test:     db "8042 self-test", 0
n_rsdp_sig:     db "acpi rsdp at 0xe0000", 0
n_rsdp_sum:     db "acpi rsdp checksum", 0
n_rsdp_xsum:    db "acpi rsdp extended checksum", 0
n_rsdp_rev:     db "acpi rsdp revision 2", 0
n_rsdt_sig:     db "acpi rsdt", 0
n_rsdt_sum:     db "acpi rsdt checksum", 0
n_fadt_sig:     db "acpi fadt first in the rsdt", 0
n_fadt_sci:     db "acpi fadt sci_int 9", 0
n_fadt_pm1a:    db "acpi fadt pm1a_cnt_blk", 0
n_madt_sig:     db "acpi madt second in the rsdt", 0
n_madt_cpus:    db "acpi madt has one local apic per vcpu", 0
