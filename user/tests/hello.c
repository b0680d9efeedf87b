/* The smallest Linux program: proves exec, the stack and the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("hello from %s, %d argument(s)\n", argv[0], argc - 1);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    char *p = malloc(100000);
    memset(p, 1, 100000);
    free(p);
    return argc > 1 && strcmp(argv[1], "fail") == 0 ? 3 : 0;
}
