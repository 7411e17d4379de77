/* Links (not yet written). */
extern int v6net_placeholder;
int v6net_placeholder;
