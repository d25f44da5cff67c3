/* The images of the dependency tests (issue 20): ISAPI extensions and the DLLs they import, built
 * without a C runtime so that each imports exactly what the test needs. One file, one define per
 * image (build.sh says which). Nothing here is ever run: what matters is the import and export
 * tables the linker writes. The types are spelled out to avoid needing the Windows headers. */
typedef unsigned long DWORD;
typedef int BOOL;
typedef void *HANDLE;

BOOL __stdcall DllMain(HANDLE module, DWORD reason, void *reserved) { return 1; }

#ifdef HELPER2
/* helper2.dll: the end of the chain ext-helper.dll -> helper.dll -> helper2.dll. */
DWORD __stdcall Helper2Func(DWORD x) { return x + 2; }
#endif

#ifdef HELPER
/* helper.dll: exports HelperFunc by name and HelperByOrdinal by ordinal 5 only (helper.def). */
__declspec(dllimport) DWORD __stdcall Helper2Func(DWORD x);
DWORD __stdcall HelperFunc(DWORD x) { return Helper2Func(x) + 1; }
DWORD __stdcall HelperByOrdinal(DWORD x) { return x; }
#endif

#if defined(EXT_HELPER) || defined(EXT_ORDINAL) || defined(EXT_DELAY) || defined(EXT_VISTA) \
    || defined(EXT_VC80) || defined(FORWARDER) || defined(EXT_UCRT) || defined(CRT_HEAP)
BOOL __stdcall GetExtensionVersion(void *version) { return 1; }
BOOL __stdcall TerminateExtension(DWORD flags) { return 1; }
#endif

#if defined(EXT_HELPER) || defined(EXT_DELAY)
/* ext-helper.dll imports HelperFunc from helper.dll; ext-delay.dll delay-loads it. */
__declspec(dllimport) DWORD __stdcall HelperFunc(DWORD x);
DWORD __stdcall HttpExtensionProc(void *ecb) { return HelperFunc(1); }
#endif

#ifdef EXT_DELAY
/* A delay-load import calls the helper the program links in; this one is never called. */
typedef void *(__stdcall *FARPROC)(void);
FARPROC __stdcall __delayLoadHelper2(const void *descriptor, FARPROC *slot) { return 0; }
#endif

#ifdef EXT_ORDINAL
/* Both imported by ordinal (helper-ordinal.def): 5, which helper.dll exports, and 99, which it does not. */
__declspec(dllimport) DWORD __stdcall HelperByOrdinal(DWORD x);
__declspec(dllimport) DWORD __stdcall HelperMissing(DWORD x);
DWORD __stdcall HttpExtensionProc(void *ecb) { return HelperByOrdinal(1) + HelperMissing(2); }
#endif

#ifdef EXT_VISTA
/* Two functions that kernel32.dll exports from Windows Vista on, not on Windows Server 2003
 * (GetTickCount64, InitializeSRWLock), beside one it always had (GetTickCount). */
typedef struct { void *ptr; } SRWLOCK;
__declspec(dllimport) unsigned long long __stdcall GetTickCount64(void);
__declspec(dllimport) void __stdcall InitializeSRWLock(SRWLOCK *lock);
__declspec(dllimport) DWORD __stdcall GetTickCount(void);
static SRWLOCK lock;
DWORD __stdcall HttpExtensionProc(void *ecb) {
    InitializeSRWLock(&lock);
    return (DWORD)GetTickCount64() + GetTickCount();
}
#endif

#if defined(EXT_VC80) || defined(EXT_UCRT)
/* What a Visual C++ 2005 SP1 build with /MD imports: the CRT from MSVCR80.dll, found through the
 * manifest (vc80.rc) in WinSxS. EXT_UCRT: the same calls against the Universal CRT's
 * api-ms-win-crt-heap-l1-1-0.dll, as a Visual C++ 2015 or later build imports them. */
__declspec(dllimport) void *__cdecl malloc(__SIZE_TYPE__ size);
__declspec(dllimport) void __cdecl free(void *block);
DWORD __stdcall HttpExtensionProc(void *ecb) {
    void *p = malloc(16);
    free(p);
    return 1;
}
#endif

#ifdef FORWARDER
/* forwarder.dll: an extension whose other exports are forwarders (forwarder.def). */
DWORD __stdcall HttpExtensionProc(void *ecb) { return 1; }
#endif

#ifdef UCRTBASE
/* ucrtbase.dll: the functions api-ms-win-crt-heap-l1-1-0.dll forwards to. */
void *__cdecl malloc(__SIZE_TYPE__ size) { return 0; }
void __cdecl free(void *block) {}
#endif

#ifdef CRT_HEAP
/* api-ms-win-crt-heap-l1-1-0.dll: only forwarders (crt-heap.def); the extension entry points keep
 * the linker's export table non-empty for both builds. */
DWORD __stdcall HttpExtensionProc(void *ecb) { return 1; }
#endif
