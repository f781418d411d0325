// Preloaded with `node --import`: @stunner/fastio cannot load koffi (as where its native binary is
// missing), in the main thread and, through the inherited execArgv, in every worker thread, so fastio
// reports FASTIO_ERR_UNAVAILABLE. Only fastio's import fails: @stunner/offload imports koffi
// statically and would stop the process instead.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'koffi' && context.parentURL?.includes('/fastio/')) {
      throw Object.assign(new Error(`Cannot find package '${specifier}' (preloaded without-koffi.ts)`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    }
    return next(specifier, context);
  },
});
