#ifndef OUTCOMES_CREADSTAT_SHIM_H
#define OUTCOMES_CREADSTAT_SHIM_H

#include <readstat.h>

// The handler return codes are an anonymous enum, which Swift imports as Int; callbacks return a C int.
static const int CREADSTAT_HANDLER_OK = READSTAT_HANDLER_OK;
static const int CREADSTAT_HANDLER_ABORT = READSTAT_HANDLER_ABORT;
static const int CREADSTAT_HANDLER_SKIP_VARIABLE = READSTAT_HANDLER_SKIP_VARIABLE;

#endif
