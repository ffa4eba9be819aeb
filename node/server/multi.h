/* multi.h — placeholder until it lands. */
#ifndef TESSERA_MULTI_H
#define TESSERA_MULTI_H

void multiInit(void);

#endif
