/* bcryptprimitives.dll shim for Wine 8: Go's runtime (1.22+) imports
 * ProcessPrng, which Wine 8 does not provide. RtlGenRandom
 * (advapi32!SystemFunction036) gives the same bytes from the same source. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        /* RtlGenRandom takes a ULONG; ProcessPrng a SIZE_T. */
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
