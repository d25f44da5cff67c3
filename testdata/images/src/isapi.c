/* Minimal ISAPI filter and extension, built without a C runtime so the images stay a few KB.
 * The entry points only report success: what mblint checks is the image (machine, format, exports),
 * never its behaviour. The types are spelled out to avoid needing the ISAPI headers. */
typedef unsigned long DWORD;
typedef int BOOL;
typedef void *HANDLE;

BOOL __stdcall DllMain(HANDLE module, DWORD reason, void *reserved) { return 1; }

#ifdef FILTER
BOOL __stdcall GetFilterVersion(void *version) { return 1; }
DWORD __stdcall HttpFilterProc(void *context, DWORD notification, void *data) { return 0x8000000; }
BOOL __stdcall TerminateFilter(DWORD flags) { return 1; }
#endif

#ifdef EXTENSION
BOOL __stdcall GetExtensionVersion(void *version) { return 1; }
#ifdef IMPORTS
__declspec(dllimport) DWORD __stdcall GetTickCount(void);
DWORD __stdcall HttpExtensionProc(void *ecb) { return GetTickCount() ? 1 : 1; }
#else
DWORD __stdcall HttpExtensionProc(void *ecb) { return 1; }
#endif
BOOL __stdcall TerminateExtension(DWORD flags) { return 1; }
#endif

#ifdef NO_ISAPI
/* A DLL that exports something, but no ISAPI entry point. */
DWORD __stdcall DllGetVersion(void *info) { return 0; }
#endif

#ifdef COMPRESSION
/* What a compression scheme DLL (gzip.dll) exports. */
long __stdcall InitCompression(void) { return 0; }
long __stdcall CreateCompression(void **context, long flags) { return 0; }
long __stdcall Compress(void *context, const unsigned char *in, long in_size, unsigned char *out,
                        long out_size, long *in_used, long *out_used, int level) { return 0; }
void __stdcall DestroyCompression(void *context) {}
void __stdcall DeInitCompression(void) {}
#endif
