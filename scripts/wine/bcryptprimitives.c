/*
 * A stand-in for bcryptprimitives.dll under Wine 8, which lacks it.
 *
 * Rust's standard library (1.78 and later) imports ProcessPrng from bcryptprimitives.dll on
 * Windows; Wine 8.0 has no such DLL, so every Rust .exe fails to load there (exit 53, nothing
 * printed). This DLL exports ProcessPrng and fills the buffer from advapi32's RtlGenRandom
 * (exported as SystemFunction036), which Wine implements. Used only in the Wine prefix that
 * scripts/wine/setup.sh prepares for tests; never shipped.
 *
 * ProcessPrng:    https://learn.microsoft.com/en-us/windows/win32/seccng/processprng
 *                 (BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData); always returns TRUE)
 * RtlGenRandom:   https://learn.microsoft.com/en-us/windows/win32/api/ntsecapi/nf-ntsecapi-rtlgenrandom
 *                 (BOOLEAN RtlGenRandom(PVOID, ULONG): at most 4 GiB - 1 a call, hence the chunks)
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c \
 *            bcryptprimitives.def -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            /* ProcessPrng cannot fail on Windows; a stand-in that could not fill the buffer must
             * not return as if it had (the caller would use uninitialised bytes as keys). */
            ExitProcess(0xC0000001);
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
