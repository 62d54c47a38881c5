/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison implementation for Yacc-like parsers in C

   Copyright (C) 1984, 1989-1990, 2000-2015, 2018-2021 Free Software Foundation,
   Inc.

   This program is free software: you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation, either version 3 of the License, or
   (at your option) any later version.

   This program is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
   GNU General Public License for more details.

   You should have received a copy of the GNU General Public License
   along with this program.  If not, see <https://www.gnu.org/licenses/>.  */

/* As a special exception, you may create a larger work that contains
   part or all of the Bison parser skeleton and distribute that work
   under terms of your choice, so long as that work isn't itself a
   parser generator using the skeleton or a modified version thereof
   as a parser skeleton.  Alternatively, if you modify or redistribute
   the parser skeleton itself, you may (at your option) remove this
   special exception, which will cause the skeleton and the resulting
   Bison output files to be licensed under the GNU General Public
   License without this special exception.

   This special exception was added by the Free Software Foundation in
   version 2.2 of Bison.  */

/* C LALR(1) parser skeleton written by Richard Stallman, by
   simplifying the original so-called "semantic" parser.  */

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

/* All symbols defined below should begin with yy or YY, to avoid
   infringing on user name space.  This should be done even for local
   variables, as they might otherwise be expanded by user macros.
   There are some unavoidable exceptions within include files to
   define necessary library symbols; they are noted "INFRINGES ON
   USER NAME SPACE" below.  */

/* Identify Bison output, and Bison version.  */
#define YYBISON 30802

/* Bison version string.  */
#define YYBISON_VERSION "3.8.2"

/* Skeleton name.  */
#define YYSKELETON_NAME "yacc.c"

/* Pure parsers.  */
#define YYPURE 2

/* Push parsers.  */
#define YYPUSH 0

/* Pull parsers.  */
#define YYPULL 1

/* "%code top" blocks.  */
#line 25 "grammar/parser.y"

/* A bounded parser stack: absurdly nested input gets a message, not a crash. */
#define YYMAXDEPTH 1000

#line 73 "grammar/parser.c"




# ifndef YY_CAST
#  ifdef __cplusplus
#   define YY_CAST(Type, Val) static_cast<Type> (Val)
#   define YY_REINTERPRET_CAST(Type, Val) reinterpret_cast<Type> (Val)
#  else
#   define YY_CAST(Type, Val) ((Type) (Val))
#   define YY_REINTERPRET_CAST(Type, Val) ((Type) (Val))
#  endif
# endif
# ifndef YY_NULLPTR
#  if defined __cplusplus
#   if 201103L <= __cplusplus
#    define YY_NULLPTR nullptr
#   else
#    define YY_NULLPTR 0
#   endif
#  else
#   define YY_NULLPTR ((void*)0)
#  endif
# endif

/* Use api.header.include to #include this header
   instead of duplicating it here.  */
#ifndef YY_YY_GRAMMAR_PARSER_H_INCLUDED
# define YY_YY_GRAMMAR_PARSER_H_INCLUDED
/* Debug traces.  */
#ifndef YYDEBUG
# define YYDEBUG 0
#endif
#if YYDEBUG
extern int yydebug;
#endif
/* "%code requires" blocks.  */
#line 39 "grammar/parser.y"

#include "compiler/ast.h"
#include "grammar/syntax.h"

#line 116 "grammar/parser.c"

/* Token kinds.  */
#ifndef YYTOKENTYPE
# define YYTOKENTYPE
  enum yytokentype
  {
    TOKEN_YYEMPTY = -2,
    TOKEN_END = 0,                 /* "end of file"  */
    TOKEN_YYerror = 256,           /* error  */
    TOKEN_YYUNDEF = 257,           /* "invalid token"  */
    TOKEN_NUMBER = 258,            /* "number"  */
    TOKEN_NAME = 259,              /* "name"  */
    TOKEN_STRING = 260,            /* "string"  */
    TOKEN_PRIOR = 261,             /* "'prior'"  */
    TOKEN_MODEL = 262,             /* "'model'"  */
    TOKEN_TASK = 263,              /* "'task'"  */
    TOKEN_INPUT = 264,             /* "'input'"  */
    TOKEN_LAYER = 265,             /* "'layer'"  */
    TOKEN_LOSS = 266,              /* "'loss'"  */
    TOKEN_L2 = 267,                /* "'l2'"  */
    TOKEN_FROZEN = 268,            /* "'frozen'"  */
    TOKEN_NEGATE = 269             /* NEGATE  */
  };
  typedef enum yytokentype yytoken_kind_t;
#endif

/* Value type.  */
#if ! defined YYSTYPE && ! defined YYSTYPE_IS_DECLARED
union YYSTYPE
{
#line 61 "grammar/parser.y"

    double number;
    char *text;
    bool flag;
    ast_expr *expr;
    ast_block *block;
    ast_setting setting;
    ast_item item;
    ast_decl *model;

#line 158 "grammar/parser.c"

};
typedef union YYSTYPE YYSTYPE;
# define YYSTYPE_IS_TRIVIAL 1
# define YYSTYPE_IS_DECLARED 1
#endif

/* Location type.  */
typedef source_location YYLTYPE;




int yyparse (void *scanner, syntax_context *context);

/* "%code provides" blocks.  */
#line 44 "grammar/parser.y"

int yylex(YYSTYPE *value, source_location *location, void *scanner);
void yyerror(source_location *location, void *scanner, syntax_context *context, const char *message);

#line 180 "grammar/parser.c"

#endif /* !YY_YY_GRAMMAR_PARSER_H_INCLUDED  */
/* Symbol kind.  */
enum yysymbol_kind_t
{
  YYSYMBOL_YYEMPTY = -2,
  YYSYMBOL_YYEOF = 0,                      /* "end of file"  */
  YYSYMBOL_YYerror = 1,                    /* error  */
  YYSYMBOL_YYUNDEF = 2,                    /* "invalid token"  */
  YYSYMBOL_NUMBER = 3,                     /* "number"  */
  YYSYMBOL_NAME = 4,                       /* "name"  */
  YYSYMBOL_STRING = 5,                     /* "string"  */
  YYSYMBOL_PRIOR = 6,                      /* "'prior'"  */
  YYSYMBOL_MODEL = 7,                      /* "'model'"  */
  YYSYMBOL_TASK = 8,                       /* "'task'"  */
  YYSYMBOL_INPUT = 9,                      /* "'input'"  */
  YYSYMBOL_LAYER = 10,                     /* "'layer'"  */
  YYSYMBOL_LOSS = 11,                      /* "'loss'"  */
  YYSYMBOL_L2 = 12,                        /* "'l2'"  */
  YYSYMBOL_FROZEN = 13,                    /* "'frozen'"  */
  YYSYMBOL_14_ = 14,                       /* '+'  */
  YYSYMBOL_15_ = 15,                       /* '-'  */
  YYSYMBOL_16_ = 16,                       /* '*'  */
  YYSYMBOL_17_ = 17,                       /* '/'  */
  YYSYMBOL_NEGATE = 18,                    /* NEGATE  */
  YYSYMBOL_19_ = 19,                       /* '{'  */
  YYSYMBOL_20_ = 20,                       /* '}'  */
  YYSYMBOL_21_ = 21,                       /* ';'  */
  YYSYMBOL_22_ = 22,                       /* '['  */
  YYSYMBOL_23_ = 23,                       /* ']'  */
  YYSYMBOL_24_ = 24,                       /* '='  */
  YYSYMBOL_25_ = 25,                       /* '('  */
  YYSYMBOL_26_ = 26,                       /* ')'  */
  YYSYMBOL_27_ = 27,                       /* ','  */
  YYSYMBOL_YYACCEPT = 28,                  /* $accept  */
  YYSYMBOL_file = 29,                      /* file  */
  YYSYMBOL_declaration = 30,               /* declaration  */
  YYSYMBOL_items = 31,                     /* items  */
  YYSYMBOL_item = 32,                      /* item  */
  YYSYMBOL_optional_block = 33,            /* optional_block  */
  YYSYMBOL_block = 34,                     /* block  */
  YYSYMBOL_settings = 35,                  /* settings  */
  YYSYMBOL_setting = 36,                   /* setting  */
  YYSYMBOL_key = 37,                       /* key  */
  YYSYMBOL_frozen = 38,                    /* frozen  */
  YYSYMBOL_expr = 39,                      /* expr  */
  YYSYMBOL_call = 40,                      /* call  */
  YYSYMBOL_call_open = 41,                 /* call_open  */
  YYSYMBOL_call_args = 42                  /* call_args  */
};
typedef enum yysymbol_kind_t yysymbol_kind_t;



/* Unqualified %code blocks.  */
#line 49 "grammar/parser.y"

#include <stdlib.h>
#include <string.h>

/* Out of memory: say so once and abort the parse. */
#define CHECK_MEMORY(ok) do { if (!(ok)) { context->out_of_memory = true; YYNOMEM; } } while (0)

static ast_expr *bounded_depth(syntax_context *context, ast_expr *e);
static bool add_decl(syntax_context *context, ast_decl_kind kind, source_location where,
                     char *name, source_location name_location, ast_block *settings);

#line 248 "grammar/parser.c"

#ifdef short
# undef short
#endif

/* On compilers that do not define __PTRDIFF_MAX__ etc., make sure
   <limits.h> and (if available) <stdint.h> are included
   so that the code can choose integer types of a good width.  */

#ifndef __PTRDIFF_MAX__
# include <limits.h> /* INFRINGES ON USER NAME SPACE */
# if defined __STDC_VERSION__ && 199901 <= __STDC_VERSION__
#  include <stdint.h> /* INFRINGES ON USER NAME SPACE */
#  define YY_STDINT_H
# endif
#endif

/* Narrow types that promote to a signed type and that can represent a
   signed or unsigned integer of at least N bits.  In tables they can
   save space and decrease cache pressure.  Promoting to a signed type
   helps avoid bugs in integer arithmetic.  */

#ifdef __INT_LEAST8_MAX__
typedef __INT_LEAST8_TYPE__ yytype_int8;
#elif defined YY_STDINT_H
typedef int_least8_t yytype_int8;
#else
typedef signed char yytype_int8;
#endif

#ifdef __INT_LEAST16_MAX__
typedef __INT_LEAST16_TYPE__ yytype_int16;
#elif defined YY_STDINT_H
typedef int_least16_t yytype_int16;
#else
typedef short yytype_int16;
#endif

/* Work around bug in HP-UX 11.23, which defines these macros
   incorrectly for preprocessor constants.  This workaround can likely
   be removed in 2023, as HPE has promised support for HP-UX 11.23
   (aka HP-UX 11i v2) only through the end of 2022; see Table 2 of
   <https://h20195.www2.hpe.com/V2/getpdf.aspx/4AA4-7673ENW.pdf>.  */
#ifdef __hpux
# undef UINT_LEAST8_MAX
# undef UINT_LEAST16_MAX
# define UINT_LEAST8_MAX 255
# define UINT_LEAST16_MAX 65535
#endif

#if defined __UINT_LEAST8_MAX__ && __UINT_LEAST8_MAX__ <= __INT_MAX__
typedef __UINT_LEAST8_TYPE__ yytype_uint8;
#elif (!defined __UINT_LEAST8_MAX__ && defined YY_STDINT_H \
       && UINT_LEAST8_MAX <= INT_MAX)
typedef uint_least8_t yytype_uint8;
#elif !defined __UINT_LEAST8_MAX__ && UCHAR_MAX <= INT_MAX
typedef unsigned char yytype_uint8;
#else
typedef short yytype_uint8;
#endif

#if defined __UINT_LEAST16_MAX__ && __UINT_LEAST16_MAX__ <= __INT_MAX__
typedef __UINT_LEAST16_TYPE__ yytype_uint16;
#elif (!defined __UINT_LEAST16_MAX__ && defined YY_STDINT_H \
       && UINT_LEAST16_MAX <= INT_MAX)
typedef uint_least16_t yytype_uint16;
#elif !defined __UINT_LEAST16_MAX__ && USHRT_MAX <= INT_MAX
typedef unsigned short yytype_uint16;
#else
typedef int yytype_uint16;
#endif

#ifndef YYPTRDIFF_T
# if defined __PTRDIFF_TYPE__ && defined __PTRDIFF_MAX__
#  define YYPTRDIFF_T __PTRDIFF_TYPE__
#  define YYPTRDIFF_MAXIMUM __PTRDIFF_MAX__
# elif defined PTRDIFF_MAX
#  ifndef ptrdiff_t
#   include <stddef.h> /* INFRINGES ON USER NAME SPACE */
#  endif
#  define YYPTRDIFF_T ptrdiff_t
#  define YYPTRDIFF_MAXIMUM PTRDIFF_MAX
# else
#  define YYPTRDIFF_T long
#  define YYPTRDIFF_MAXIMUM LONG_MAX
# endif
#endif

#ifndef YYSIZE_T
# ifdef __SIZE_TYPE__
#  define YYSIZE_T __SIZE_TYPE__
# elif defined size_t
#  define YYSIZE_T size_t
# elif defined __STDC_VERSION__ && 199901 <= __STDC_VERSION__
#  include <stddef.h> /* INFRINGES ON USER NAME SPACE */
#  define YYSIZE_T size_t
# else
#  define YYSIZE_T unsigned
# endif
#endif

#define YYSIZE_MAXIMUM                                  \
  YY_CAST (YYPTRDIFF_T,                                 \
           (YYPTRDIFF_MAXIMUM < YY_CAST (YYSIZE_T, -1)  \
            ? YYPTRDIFF_MAXIMUM                         \
            : YY_CAST (YYSIZE_T, -1)))

#define YYSIZEOF(X) YY_CAST (YYPTRDIFF_T, sizeof (X))


/* Stored state numbers (used for stacks). */
typedef yytype_int8 yy_state_t;

/* State numbers in computations.  */
typedef int yy_state_fast_t;

#ifndef YY_
# if defined YYENABLE_NLS && YYENABLE_NLS
#  if ENABLE_NLS
#   include <libintl.h> /* INFRINGES ON USER NAME SPACE */
#   define YY_(Msgid) dgettext ("bison-runtime", Msgid)
#  endif
# endif
# ifndef YY_
#  define YY_(Msgid) Msgid
# endif
#endif


#ifndef YY_ATTRIBUTE_PURE
# if defined __GNUC__ && 2 < __GNUC__ + (96 <= __GNUC_MINOR__)
#  define YY_ATTRIBUTE_PURE __attribute__ ((__pure__))
# else
#  define YY_ATTRIBUTE_PURE
# endif
#endif

#ifndef YY_ATTRIBUTE_UNUSED
# if defined __GNUC__ && 2 < __GNUC__ + (7 <= __GNUC_MINOR__)
#  define YY_ATTRIBUTE_UNUSED __attribute__ ((__unused__))
# else
#  define YY_ATTRIBUTE_UNUSED
# endif
#endif

/* Suppress unused-variable warnings by "using" E.  */
#if ! defined lint || defined __GNUC__
# define YY_USE(E) ((void) (E))
#else
# define YY_USE(E) /* empty */
#endif

/* Suppress an incorrect diagnostic about yylval being uninitialized.  */
#if defined __GNUC__ && ! defined __ICC && 406 <= __GNUC__ * 100 + __GNUC_MINOR__
# if __GNUC__ * 100 + __GNUC_MINOR__ < 407
#  define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN                           \
    _Pragma ("GCC diagnostic push")                                     \
    _Pragma ("GCC diagnostic ignored \"-Wuninitialized\"")
# else
#  define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN                           \
    _Pragma ("GCC diagnostic push")                                     \
    _Pragma ("GCC diagnostic ignored \"-Wuninitialized\"")              \
    _Pragma ("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
# endif
# define YY_IGNORE_MAYBE_UNINITIALIZED_END      \
    _Pragma ("GCC diagnostic pop")
#else
# define YY_INITIAL_VALUE(Value) Value
#endif
#ifndef YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
# define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
# define YY_IGNORE_MAYBE_UNINITIALIZED_END
#endif
#ifndef YY_INITIAL_VALUE
# define YY_INITIAL_VALUE(Value) /* Nothing. */
#endif

#if defined __cplusplus && defined __GNUC__ && ! defined __ICC && 6 <= __GNUC__
# define YY_IGNORE_USELESS_CAST_BEGIN                          \
    _Pragma ("GCC diagnostic push")                            \
    _Pragma ("GCC diagnostic ignored \"-Wuseless-cast\"")
# define YY_IGNORE_USELESS_CAST_END            \
    _Pragma ("GCC diagnostic pop")
#endif
#ifndef YY_IGNORE_USELESS_CAST_BEGIN
# define YY_IGNORE_USELESS_CAST_BEGIN
# define YY_IGNORE_USELESS_CAST_END
#endif


#define YY_ASSERT(E) ((void) (0 && (E)))

#if 1

/* The parser invokes alloca or malloc; define the necessary symbols.  */

# ifdef YYSTACK_ALLOC
   /* Pacify GCC's 'empty if-body' warning.  */
#  define YYSTACK_FREE(Ptr) do { /* empty */; } while (0)
#  ifndef YYSTACK_ALLOC_MAXIMUM
    /* The OS might guarantee only one guard page at the bottom of the stack,
       and a page size can be as small as 4096 bytes.  So we cannot safely
       invoke alloca (N) if N exceeds 4096.  Use a slightly smaller number
       to allow for a few compiler-allocated temporary stack slots.  */
#   define YYSTACK_ALLOC_MAXIMUM 4032 /* reasonable circa 2006 */
#  endif
# else
#  define YYSTACK_ALLOC YYMALLOC
#  define YYSTACK_FREE YYFREE
#  ifndef YYSTACK_ALLOC_MAXIMUM
#   define YYSTACK_ALLOC_MAXIMUM YYSIZE_MAXIMUM
#  endif
#  if (defined __cplusplus && ! defined EXIT_SUCCESS \
       && ! ((defined YYMALLOC || defined malloc) \
             && (defined YYFREE || defined free)))
#   include <stdlib.h> /* INFRINGES ON USER NAME SPACE */
#   ifndef EXIT_SUCCESS
#    define EXIT_SUCCESS 0
#   endif
#  endif
#  ifndef YYMALLOC
#   define YYMALLOC malloc
#   if ! defined malloc && ! defined EXIT_SUCCESS
void *malloc (YYSIZE_T); /* INFRINGES ON USER NAME SPACE */
#   endif
#  endif
#  ifndef YYFREE
#   define YYFREE free
#   if ! defined free && ! defined EXIT_SUCCESS
void free (void *); /* INFRINGES ON USER NAME SPACE */
#   endif
#  endif
# endif
# define YYCOPY_NEEDED 1
#endif /* 1 */

#if (! defined yyoverflow \
     && (! defined __cplusplus \
         || (defined YYLTYPE_IS_TRIVIAL && YYLTYPE_IS_TRIVIAL \
             && defined YYSTYPE_IS_TRIVIAL && YYSTYPE_IS_TRIVIAL)))

/* A type that is properly aligned for any stack member.  */
union yyalloc
{
  yy_state_t yyss_alloc;
  YYSTYPE yyvs_alloc;
  YYLTYPE yyls_alloc;
};

/* The size of the maximum gap between one aligned stack and the next.  */
# define YYSTACK_GAP_MAXIMUM (YYSIZEOF (union yyalloc) - 1)

/* The size of an array large to enough to hold all stacks, each with
   N elements.  */
# define YYSTACK_BYTES(N) \
     ((N) * (YYSIZEOF (yy_state_t) + YYSIZEOF (YYSTYPE) \
             + YYSIZEOF (YYLTYPE)) \
      + 2 * YYSTACK_GAP_MAXIMUM)

# define YYCOPY_NEEDED 1

/* Relocate STACK from its old location to the new one.  The
   local variables YYSIZE and YYSTACKSIZE give the old and new number of
   elements in the stack, and YYPTR gives the new location of the
   stack.  Advance YYPTR to a properly aligned location for the next
   stack.  */
# define YYSTACK_RELOCATE(Stack_alloc, Stack)                           \
    do                                                                  \
      {                                                                 \
        YYPTRDIFF_T yynewbytes;                                         \
        YYCOPY (&yyptr->Stack_alloc, Stack, yysize);                    \
        Stack = &yyptr->Stack_alloc;                                    \
        yynewbytes = yystacksize * YYSIZEOF (*Stack) + YYSTACK_GAP_MAXIMUM; \
        yyptr += yynewbytes / YYSIZEOF (*yyptr);                        \
      }                                                                 \
    while (0)

#endif

#if defined YYCOPY_NEEDED && YYCOPY_NEEDED
/* Copy COUNT objects from SRC to DST.  The source and destination do
   not overlap.  */
# ifndef YYCOPY
#  if defined __GNUC__ && 1 < __GNUC__
#   define YYCOPY(Dst, Src, Count) \
      __builtin_memcpy (Dst, Src, YY_CAST (YYSIZE_T, (Count)) * sizeof (*(Src)))
#  else
#   define YYCOPY(Dst, Src, Count)              \
      do                                        \
        {                                       \
          YYPTRDIFF_T yyi;                      \
          for (yyi = 0; yyi < (Count); yyi++)   \
            (Dst)[yyi] = (Src)[yyi];            \
        }                                       \
      while (0)
#  endif
# endif
#endif /* !YYCOPY_NEEDED */

/* YYFINAL -- State number of the termination state.  */
#define YYFINAL  2
/* YYLAST -- Last index in YYTABLE.  */
#define YYLAST   98

/* YYNTOKENS -- Number of terminals.  */
#define YYNTOKENS  28
/* YYNNTS -- Number of nonterminals.  */
#define YYNNTS  15
/* YYNRULES -- Number of rules.  */
#define YYNRULES  51
/* YYNSTATES -- Number of states.  */
#define YYNSTATES  85

/* YYMAXUTOK -- Last valid token kind.  */
#define YYMAXUTOK   269


/* YYTRANSLATE(TOKEN-NUM) -- Symbol number corresponding to TOKEN-NUM
   as returned by yylex, with out-of-bounds checking.  */
#define YYTRANSLATE(YYX)                                \
  (0 <= (YYX) && (YYX) <= YYMAXUTOK                     \
   ? YY_CAST (yysymbol_kind_t, yytranslate[YYX])        \
   : YYSYMBOL_YYUNDEF)

/* YYTRANSLATE[TOKEN-NUM] -- Symbol number corresponding to TOKEN-NUM
   as returned by yylex.  */
static const yytype_int8 yytranslate[] =
{
       0,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
      25,    26,    16,    14,    27,    15,     2,    17,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,    21,
       2,    24,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,    22,     2,    23,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,    19,     2,    20,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     1,     2,     3,     4,
       5,     6,     7,     8,     9,    10,    11,    12,    13,    18
};

#if YYDEBUG
/* YYRLINE[YYN] -- Source line where rule number YYN was defined.  */
static const yytype_uint8 yyrline[] =
{
       0,   101,   101,   102,   106,   107,   108,   116,   120,   121,
     122,   123,   127,   129,   132,   133,   137,   138,   142,   146,
     147,   148,   149,   153,   159,   160,   161,   162,   163,   164,
     165,   166,   170,   171,   175,   176,   177,   178,   179,   180,
     181,   182,   183,   184,   185,   189,   190,   191,   192,   196,
     200,   201
};
#endif

/** Accessing symbol of state STATE.  */
#define YY_ACCESSING_SYMBOL(State) YY_CAST (yysymbol_kind_t, yystos[State])

#if 1
/* The user-facing name of the symbol whose (internal) number is
   YYSYMBOL.  No bounds checking.  */
static const char *yysymbol_name (yysymbol_kind_t yysymbol) YY_ATTRIBUTE_UNUSED;

static const char *
yysymbol_name (yysymbol_kind_t yysymbol)
{
  static const char *const yy_sname[] =
  {
  "end of file", "error", "invalid token", "number", "name", "string",
  "'prior'", "'model'", "'task'", "'input'", "'layer'", "'loss'", "'l2'",
  "'frozen'", "'+'", "'-'", "'*'", "'/'", "NEGATE", "'{'", "'}'", "';'",
  "'['", "']'", "'='", "'('", "')'", "','", "$accept", "file",
  "declaration", "items", "item", "optional_block", "block", "settings",
  "setting", "key", "frozen", "expr", "call", "call_open", "call_args", YY_NULLPTR
  };
  return yy_sname[yysymbol];
}
#endif

#define YYPACT_NINF (-42)

#define yypact_value_is_default(Yyn) \
  ((Yyn) == YYPACT_NINF)

#define YYTABLE_NINF (-1)

#define yytable_value_is_error(Yyn) \
  0

/* YYPACT[STATE-NUM] -- Index in YYTABLE of the portion describing
   STATE-NUM.  */
static const yytype_int8 yypact[] =
{
     -42,    86,   -42,   -42,    -3,    -1,     7,   -42,   -12,    21,
     -12,   -42,   -42,   -42,   -42,    57,    70,   -42,   -42,   -42,
     -42,   -42,   -42,   -42,   -42,   -42,   -42,   -42,   -42,    -6,
     -42,    38,    41,    43,   -12,   -42,   -42,   -42,    34,    19,
      24,    25,   -42,    18,     3,   -42,   -42,    25,   -42,    34,
      31,     0,   -42,    34,    43,   -42,    29,   -42,    81,    44,
     -42,    34,   -42,    50,    58,   -42,    34,    34,    34,    34,
     -42,    37,   -12,   -42,   -42,    81,   -42,   -42,   -11,   -11,
     -42,   -42,   -42,   -42,   -42
};

/* YYDEFACT[STATE-NUM] -- Default reduction number in state STATE-NUM.
   Performed when YYTABLE does not specify something else to do.  Zero
   means the default is an error.  */
static const yytype_int8 yydefact[] =
{
       2,     0,     1,     7,     0,     0,     0,     3,     0,     0,
       0,    19,     4,     8,     5,     0,     0,    22,    24,    25,
      26,    27,    28,    29,    30,    31,    18,    21,    20,     0,
      11,     0,     0,     0,     0,     6,    10,     9,     0,     0,
       0,     0,    14,     0,     0,    15,    34,    36,    35,     0,
       0,    32,    37,     0,     0,    49,     0,    45,    50,     0,
      46,     0,    40,     0,     0,    33,     0,     0,     0,     0,
      23,     0,    16,    47,    48,    51,    39,    38,    41,    42,
      43,    44,    12,    13,    17
};

/* YYPGOTO[NTERM-NUM].  */
static const yytype_int8 yypgoto[] =
{
     -42,   -42,   -42,   -42,   -42,   -42,   -10,   -42,   -42,   -42,
     -42,   -41,   -23,   -42,   -42
};

/* YYDEFGOTO[NTERM-NUM].  */
static const yytype_int8 yydefgoto[] =
{
       0,     1,     7,    16,    37,    83,    12,    15,    28,    29,
      70,    51,    52,    43,    44
};

/* YYTABLE[YYPACT[STATE-NUM]] -- What to do in state STATE-NUM.  If
   positive, shift that token.  If negative, reduce the rule whose
   number is the opposite.  If YYTABLE_NINF, syntax error.  */
static const yytype_int8 yytable[] =
{
      14,     8,    58,     9,    59,    68,    69,    11,    62,    64,
      42,    10,    71,    65,    66,    67,    68,    69,    38,    56,
      75,    46,    47,    48,    45,    78,    79,    80,    81,    60,
      61,    72,    63,    49,    46,    47,    48,    46,    47,    48,
      13,    53,    39,    50,    57,    40,    49,    41,    54,    49,
      55,    66,    67,    68,    69,    73,    50,     0,    17,    50,
      82,    18,    84,    19,    20,    21,    22,    23,    24,    25,
      74,    30,    66,    67,    68,    69,    76,    26,    27,    31,
      32,    33,    34,     0,    77,     0,     2,     3,     0,     0,
      35,    36,     4,     5,     6,    66,    67,    68,    69
};

static const yytype_int8 yycheck[] =
{
      10,     4,    43,     4,     1,    16,    17,    19,    49,    50,
      33,     4,    53,    13,    14,    15,    16,    17,    24,     1,
      61,     3,     4,     5,    34,    66,    67,    68,    69,    26,
      27,    54,     1,    15,     3,     4,     5,     3,     4,     5,
      19,    22,     4,    25,    26,     4,    15,     4,    24,    15,
      25,    14,    15,    16,    17,    26,    25,    -1,     1,    25,
      23,     4,    72,     6,     7,     8,     9,    10,    11,    12,
      26,     1,    14,    15,    16,    17,    26,    20,    21,     9,
      10,    11,    12,    -1,    26,    -1,     0,     1,    -1,    -1,
      20,    21,     6,     7,     8,    14,    15,    16,    17
};

/* YYSTOS[STATE-NUM] -- The symbol kind of the accessing symbol of
   state STATE-NUM.  */
static const yytype_int8 yystos[] =
{
       0,    29,     0,     1,     6,     7,     8,    30,     4,     4,
       4,    19,    34,    19,    34,    35,    31,     1,     4,     6,
       7,     8,     9,    10,    11,    12,    20,    21,    36,    37,
       1,     9,    10,    11,    12,    20,    21,    32,    24,     4,
       4,     4,    40,    41,    42,    34,     3,     4,     5,    15,
      25,    39,    40,    22,    24,    25,     1,    26,    39,     1,
      26,    27,    39,     1,    39,    13,    14,    15,    16,    17,
      38,    39,    40,    26,    26,    39,    26,    26,    39,    39,
      39,    39,    23,    33,    34
};

/* YYR1[RULE-NUM] -- Symbol kind of the left-hand side of rule RULE-NUM.  */
static const yytype_int8 yyr1[] =
{
       0,    28,    29,    29,    30,    30,    30,    30,    31,    31,
      31,    31,    32,    32,    32,    32,    33,    33,    34,    35,
      35,    35,    35,    36,    37,    37,    37,    37,    37,    37,
      37,    37,    38,    38,    39,    39,    39,    39,    39,    39,
      39,    39,    39,    39,    39,    40,    40,    40,    40,    41,
      42,    42
};

/* YYR2[RULE-NUM] -- Number of symbols on the right-hand side of rule RULE-NUM.  */
static const yytype_int8 yyr2[] =
{
       0,     2,     0,     2,     3,     3,     5,     1,     0,     2,
       2,     2,     5,     5,     2,     2,     0,     1,     3,     0,
       2,     2,     2,     4,     1,     1,     1,     1,     1,     1,
       1,     1,     0,     1,     1,     1,     1,     1,     3,     3,
       2,     3,     3,     3,     3,     2,     2,     3,     3,     2,
       2,     3
};


enum { YYENOMEM = -2 };

#define yyerrok         (yyerrstatus = 0)
#define yyclearin       (yychar = TOKEN_YYEMPTY)

#define YYACCEPT        goto yyacceptlab
#define YYABORT         goto yyabortlab
#define YYERROR         goto yyerrorlab
#define YYNOMEM         goto yyexhaustedlab


#define YYRECOVERING()  (!!yyerrstatus)

#define YYBACKUP(Token, Value)                                    \
  do                                                              \
    if (yychar == TOKEN_YYEMPTY)                                        \
      {                                                           \
        yychar = (Token);                                         \
        yylval = (Value);                                         \
        YYPOPSTACK (yylen);                                       \
        yystate = *yyssp;                                         \
        YY_LAC_DISCARD ("YYBACKUP");                              \
        goto yybackup;                                            \
      }                                                           \
    else                                                          \
      {                                                           \
        yyerror (&yylloc, scanner, context, YY_("syntax error: cannot back up")); \
        YYERROR;                                                  \
      }                                                           \
  while (0)

/* Backward compatibility with an undocumented macro.
   Use TOKEN_YYerror or TOKEN_YYUNDEF. */
#define YYERRCODE TOKEN_YYUNDEF

/* YYLLOC_DEFAULT -- Set CURRENT to span from RHS[1] to RHS[N].
   If N is 0, then set CURRENT to the empty location which ends
   the previous symbol: RHS[0] (always defined).  */

#ifndef YYLLOC_DEFAULT
# define YYLLOC_DEFAULT(Current, Rhs, N)                                \
    do                                                                  \
      if (N)                                                            \
        {                                                               \
          (Current).first_line   = YYRHSLOC (Rhs, 1).first_line;        \
          (Current).first_column = YYRHSLOC (Rhs, 1).first_column;      \
          (Current).last_line    = YYRHSLOC (Rhs, N).last_line;         \
          (Current).last_column  = YYRHSLOC (Rhs, N).last_column;       \
        }                                                               \
      else                                                              \
        {                                                               \
          (Current).first_line   = (Current).last_line   =              \
            YYRHSLOC (Rhs, 0).last_line;                                \
          (Current).first_column = (Current).last_column =              \
            YYRHSLOC (Rhs, 0).last_column;                              \
        }                                                               \
    while (0)
#endif

#define YYRHSLOC(Rhs, K) ((Rhs)[K])


/* Enable debugging if requested.  */
#if YYDEBUG

# ifndef YYFPRINTF
#  include <stdio.h> /* INFRINGES ON USER NAME SPACE */
#  define YYFPRINTF fprintf
# endif

# define YYDPRINTF(Args)                        \
do {                                            \
  if (yydebug)                                  \
    YYFPRINTF Args;                             \
} while (0)


/* YYLOCATION_PRINT -- Print the location on the stream.
   This macro was not mandated originally: define only if we know
   we won't break user code: when these are the locations we know.  */

# ifndef YYLOCATION_PRINT

#  if defined YY_LOCATION_PRINT

   /* Temporary convenience wrapper in case some people defined the
      undocumented and private YY_LOCATION_PRINT macros.  */
#   define YYLOCATION_PRINT(File, Loc)  YY_LOCATION_PRINT(File, *(Loc))

#  elif defined YYLTYPE_IS_TRIVIAL && YYLTYPE_IS_TRIVIAL

/* Print *YYLOCP on YYO.  Private, do not rely on its existence. */

YY_ATTRIBUTE_UNUSED
static int
yy_location_print_ (FILE *yyo, YYLTYPE const * const yylocp)
{
  int res = 0;
  int end_col = 0 != yylocp->last_column ? yylocp->last_column - 1 : 0;
  if (0 <= yylocp->first_line)
    {
      res += YYFPRINTF (yyo, "%d", yylocp->first_line);
      if (0 <= yylocp->first_column)
        res += YYFPRINTF (yyo, ".%d", yylocp->first_column);
    }
  if (0 <= yylocp->last_line)
    {
      if (yylocp->first_line < yylocp->last_line)
        {
          res += YYFPRINTF (yyo, "-%d", yylocp->last_line);
          if (0 <= end_col)
            res += YYFPRINTF (yyo, ".%d", end_col);
        }
      else if (0 <= end_col && yylocp->first_column < end_col)
        res += YYFPRINTF (yyo, "-%d", end_col);
    }
  return res;
}

#   define YYLOCATION_PRINT  yy_location_print_

    /* Temporary convenience wrapper in case some people defined the
       undocumented and private YY_LOCATION_PRINT macros.  */
#   define YY_LOCATION_PRINT(File, Loc)  YYLOCATION_PRINT(File, &(Loc))

#  else

#   define YYLOCATION_PRINT(File, Loc) ((void) 0)
    /* Temporary convenience wrapper in case some people defined the
       undocumented and private YY_LOCATION_PRINT macros.  */
#   define YY_LOCATION_PRINT  YYLOCATION_PRINT

#  endif
# endif /* !defined YYLOCATION_PRINT */


# define YY_SYMBOL_PRINT(Title, Kind, Value, Location)                    \
do {                                                                      \
  if (yydebug)                                                            \
    {                                                                     \
      YYFPRINTF (stderr, "%s ", Title);                                   \
      yy_symbol_print (stderr,                                            \
                  Kind, Value, Location, scanner, context); \
      YYFPRINTF (stderr, "\n");                                           \
    }                                                                     \
} while (0)


/*-----------------------------------.
| Print this symbol's value on YYO.  |
`-----------------------------------*/

static void
yy_symbol_value_print (FILE *yyo,
                       yysymbol_kind_t yykind, YYSTYPE const * const yyvaluep, YYLTYPE const * const yylocationp, void *scanner, syntax_context *context)
{
  FILE *yyoutput = yyo;
  YY_USE (yyoutput);
  YY_USE (yylocationp);
  YY_USE (scanner);
  YY_USE (context);
  if (!yyvaluep)
    return;
  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  YY_USE (yykind);
  YY_IGNORE_MAYBE_UNINITIALIZED_END
}


/*---------------------------.
| Print this symbol on YYO.  |
`---------------------------*/

static void
yy_symbol_print (FILE *yyo,
                 yysymbol_kind_t yykind, YYSTYPE const * const yyvaluep, YYLTYPE const * const yylocationp, void *scanner, syntax_context *context)
{
  YYFPRINTF (yyo, "%s %s (",
             yykind < YYNTOKENS ? "token" : "nterm", yysymbol_name (yykind));

  YYLOCATION_PRINT (yyo, yylocationp);
  YYFPRINTF (yyo, ": ");
  yy_symbol_value_print (yyo, yykind, yyvaluep, yylocationp, scanner, context);
  YYFPRINTF (yyo, ")");
}

/*------------------------------------------------------------------.
| yy_stack_print -- Print the state stack from its BOTTOM up to its |
| TOP (included).                                                   |
`------------------------------------------------------------------*/

static void
yy_stack_print (yy_state_t *yybottom, yy_state_t *yytop)
{
  YYFPRINTF (stderr, "Stack now");
  for (; yybottom <= yytop; yybottom++)
    {
      int yybot = *yybottom;
      YYFPRINTF (stderr, " %d", yybot);
    }
  YYFPRINTF (stderr, "\n");
}

# define YY_STACK_PRINT(Bottom, Top)                            \
do {                                                            \
  if (yydebug)                                                  \
    yy_stack_print ((Bottom), (Top));                           \
} while (0)


/*------------------------------------------------.
| Report that the YYRULE is going to be reduced.  |
`------------------------------------------------*/

static void
yy_reduce_print (yy_state_t *yyssp, YYSTYPE *yyvsp, YYLTYPE *yylsp,
                 int yyrule, void *scanner, syntax_context *context)
{
  int yylno = yyrline[yyrule];
  int yynrhs = yyr2[yyrule];
  int yyi;
  YYFPRINTF (stderr, "Reducing stack by rule %d (line %d):\n",
             yyrule - 1, yylno);
  /* The symbols being reduced.  */
  for (yyi = 0; yyi < yynrhs; yyi++)
    {
      YYFPRINTF (stderr, "   $%d = ", yyi + 1);
      yy_symbol_print (stderr,
                       YY_ACCESSING_SYMBOL (+yyssp[yyi + 1 - yynrhs]),
                       &yyvsp[(yyi + 1) - (yynrhs)],
                       &(yylsp[(yyi + 1) - (yynrhs)]), scanner, context);
      YYFPRINTF (stderr, "\n");
    }
}

# define YY_REDUCE_PRINT(Rule)          \
do {                                    \
  if (yydebug)                          \
    yy_reduce_print (yyssp, yyvsp, yylsp, Rule, scanner, context); \
} while (0)

/* Nonzero means print parse trace.  It is left uninitialized so that
   multiple parsers can coexist.  */
int yydebug;
#else /* !YYDEBUG */
# define YYDPRINTF(Args) ((void) 0)
# define YY_SYMBOL_PRINT(Title, Kind, Value, Location)
# define YY_STACK_PRINT(Bottom, Top)
# define YY_REDUCE_PRINT(Rule)
#endif /* !YYDEBUG */


/* YYINITDEPTH -- initial size of the parser's stacks.  */
#ifndef YYINITDEPTH
# define YYINITDEPTH 200
#endif

/* YYMAXDEPTH -- maximum size the stacks can grow to (effective only
   if the built-in stack extension method is used).

   Do not make this value too large; the results are undefined if
   YYSTACK_ALLOC_MAXIMUM < YYSTACK_BYTES (YYMAXDEPTH)
   evaluated with infinite-precision integer arithmetic.  */

#ifndef YYMAXDEPTH
# define YYMAXDEPTH 10000
#endif


/* Given a state stack such that *YYBOTTOM is its bottom, such that
   *YYTOP is either its top or is YYTOP_EMPTY to indicate an empty
   stack, and such that *YYCAPACITY is the maximum number of elements it
   can hold without a reallocation, make sure there is enough room to
   store YYADD more elements.  If not, allocate a new stack using
   YYSTACK_ALLOC, copy the existing elements, and adjust *YYBOTTOM,
   *YYTOP, and *YYCAPACITY to reflect the new capacity and memory
   location.  If *YYBOTTOM != YYBOTTOM_NO_FREE, then free the old stack
   using YYSTACK_FREE.  Return 0 if successful or if no reallocation is
   required.  Return YYENOMEM if memory is exhausted.  */
static int
yy_lac_stack_realloc (YYPTRDIFF_T *yycapacity, YYPTRDIFF_T yyadd,
#if YYDEBUG
                      char const *yydebug_prefix,
                      char const *yydebug_suffix,
#endif
                      yy_state_t **yybottom,
                      yy_state_t *yybottom_no_free,
                      yy_state_t **yytop, yy_state_t *yytop_empty)
{
  YYPTRDIFF_T yysize_old =
    *yytop == yytop_empty ? 0 : *yytop - *yybottom + 1;
  YYPTRDIFF_T yysize_new = yysize_old + yyadd;
  if (*yycapacity < yysize_new)
    {
      YYPTRDIFF_T yyalloc = 2 * yysize_new;
      yy_state_t *yybottom_new;
      /* Use YYMAXDEPTH for maximum stack size given that the stack
         should never need to grow larger than the main state stack
         needs to grow without LAC.  */
      if (YYMAXDEPTH < yysize_new)
        {
          YYDPRINTF ((stderr, "%smax size exceeded%s", yydebug_prefix,
                      yydebug_suffix));
          return YYENOMEM;
        }
      if (YYMAXDEPTH < yyalloc)
        yyalloc = YYMAXDEPTH;
      yybottom_new =
        YY_CAST (yy_state_t *,
                 YYSTACK_ALLOC (YY_CAST (YYSIZE_T,
                                         yyalloc * YYSIZEOF (*yybottom_new))));
      if (!yybottom_new)
        {
          YYDPRINTF ((stderr, "%srealloc failed%s", yydebug_prefix,
                      yydebug_suffix));
          return YYENOMEM;
        }
      if (*yytop != yytop_empty)
        {
          YYCOPY (yybottom_new, *yybottom, yysize_old);
          *yytop = yybottom_new + (yysize_old - 1);
        }
      if (*yybottom != yybottom_no_free)
        YYSTACK_FREE (*yybottom);
      *yybottom = yybottom_new;
      *yycapacity = yyalloc;
    }
  return 0;
}

/* Establish the initial context for the current lookahead if no initial
   context is currently established.

   We define a context as a snapshot of the parser stacks.  We define
   the initial context for a lookahead as the context in which the
   parser initially examines that lookahead in order to select a
   syntactic action.  Thus, if the lookahead eventually proves
   syntactically unacceptable (possibly in a later context reached via a
   series of reductions), the initial context can be used to determine
   the exact set of tokens that would be syntactically acceptable in the
   lookahead's place.  Moreover, it is the context after which any
   further semantic actions would be erroneous because they would be
   determined by a syntactically unacceptable token.

   YY_LAC_ESTABLISH should be invoked when a reduction is about to be
   performed in an inconsistent state (which, for the purposes of LAC,
   includes consistent states that don't know they're consistent because
   their default reductions have been disabled).  Iff there is a
   lookahead token, it should also be invoked before reporting a syntax
   error.  This latter case is for the sake of the debugging output.

   For parse.lac=full, the implementation of YY_LAC_ESTABLISH is as
   follows.  If no initial context is currently established for the
   current lookahead, then check if that lookahead can eventually be
   shifted if syntactic actions continue from the current context.
   Report a syntax error if it cannot.  */
#define YY_LAC_ESTABLISH                                                \
do {                                                                    \
  if (!yy_lac_established)                                              \
    {                                                                   \
      YYDPRINTF ((stderr,                                               \
                  "LAC: initial context established for %s\n",          \
                  yysymbol_name (yytoken)));                            \
      yy_lac_established = 1;                                           \
      switch (yy_lac (yyesa, &yyes, &yyes_capacity, yyssp, yytoken))    \
        {                                                               \
        case YYENOMEM:                                                  \
          YYNOMEM;                                                      \
        case 1:                                                         \
          goto yyerrlab;                                                \
        }                                                               \
    }                                                                   \
} while (0)

/* Discard any previous initial lookahead context because of Event,
   which may be a lookahead change or an invalidation of the currently
   established initial context for the current lookahead.

   The most common example of a lookahead change is a shift.  An example
   of both cases is syntax error recovery.  That is, a syntax error
   occurs when the lookahead is syntactically erroneous for the
   currently established initial context, so error recovery manipulates
   the parser stacks to try to find a new initial context in which the
   current lookahead is syntactically acceptable.  If it fails to find
   such a context, it discards the lookahead.  */
#if YYDEBUG
# define YY_LAC_DISCARD(Event)                                           \
do {                                                                     \
  if (yy_lac_established)                                                \
    {                                                                    \
      YYDPRINTF ((stderr, "LAC: initial context discarded due to "       \
                  Event "\n"));                                          \
      yy_lac_established = 0;                                            \
    }                                                                    \
} while (0)
#else
# define YY_LAC_DISCARD(Event) yy_lac_established = 0
#endif

/* Given the stack whose top is *YYSSP, return 0 iff YYTOKEN can
   eventually (after perhaps some reductions) be shifted, return 1 if
   not, or return YYENOMEM if memory is exhausted.  As preconditions and
   postconditions: *YYES_CAPACITY is the allocated size of the array to
   which *YYES points, and either *YYES = YYESA or *YYES points to an
   array allocated with YYSTACK_ALLOC.  yy_lac may overwrite the
   contents of either array, alter *YYES and *YYES_CAPACITY, and free
   any old *YYES other than YYESA.  */
static int
yy_lac (yy_state_t *yyesa, yy_state_t **yyes,
        YYPTRDIFF_T *yyes_capacity, yy_state_t *yyssp, yysymbol_kind_t yytoken)
{
  yy_state_t *yyes_prev = yyssp;
  yy_state_t *yyesp = yyes_prev;
  /* Reduce until we encounter a shift and thereby accept the token.  */
  YYDPRINTF ((stderr, "LAC: checking lookahead %s:", yysymbol_name (yytoken)));
  if (yytoken == YYSYMBOL_YYUNDEF)
    {
      YYDPRINTF ((stderr, " Always Err\n"));
      return 1;
    }
  while (1)
    {
      int yyrule = yypact[+*yyesp];
      if (yypact_value_is_default (yyrule)
          || (yyrule += yytoken) < 0 || YYLAST < yyrule
          || yycheck[yyrule] != yytoken)
        {
          /* Use the default action.  */
          yyrule = yydefact[+*yyesp];
          if (yyrule == 0)
            {
              YYDPRINTF ((stderr, " Err\n"));
              return 1;
            }
        }
      else
        {
          /* Use the action from yytable.  */
          yyrule = yytable[yyrule];
          if (yytable_value_is_error (yyrule))
            {
              YYDPRINTF ((stderr, " Err\n"));
              return 1;
            }
          if (0 < yyrule)
            {
              YYDPRINTF ((stderr, " S%d\n", yyrule));
              return 0;
            }
          yyrule = -yyrule;
        }
      /* By now we know we have to simulate a reduce.  */
      YYDPRINTF ((stderr, " R%d", yyrule - 1));
      {
        /* Pop the corresponding number of values from the stack.  */
        YYPTRDIFF_T yylen = yyr2[yyrule];
        /* First pop from the LAC stack as many tokens as possible.  */
        if (yyesp != yyes_prev)
          {
            YYPTRDIFF_T yysize = yyesp - *yyes + 1;
            if (yylen < yysize)
              {
                yyesp -= yylen;
                yylen = 0;
              }
            else
              {
                yyesp = yyes_prev;
                yylen -= yysize;
              }
          }
        /* Only afterwards look at the main stack.  */
        if (yylen)
          yyesp = yyes_prev -= yylen;
      }
      /* Push the resulting state of the reduction.  */
      {
        yy_state_fast_t yystate;
        {
          const int yylhs = yyr1[yyrule] - YYNTOKENS;
          const int yyi = yypgoto[yylhs] + *yyesp;
          yystate = (0 <= yyi && yyi <= YYLAST && yycheck[yyi] == *yyesp
                     ? yytable[yyi]
                     : yydefgoto[yylhs]);
        }
        if (yyesp == yyes_prev)
          {
            yyesp = *yyes;
            YY_IGNORE_USELESS_CAST_BEGIN
            *yyesp = YY_CAST (yy_state_t, yystate);
            YY_IGNORE_USELESS_CAST_END
          }
        else
          {
            if (yy_lac_stack_realloc (yyes_capacity, 1,
#if YYDEBUG
                                      " (", ")",
#endif
                                      yyes, yyesa, &yyesp, yyes_prev))
              {
                YYDPRINTF ((stderr, "\n"));
                return YYENOMEM;
              }
            YY_IGNORE_USELESS_CAST_BEGIN
            *++yyesp = YY_CAST (yy_state_t, yystate);
            YY_IGNORE_USELESS_CAST_END
          }
        YYDPRINTF ((stderr, " G%d", yystate));
      }
    }
}

/* Context of a parse error.  */
typedef struct
{
  yy_state_t *yyssp;
  yy_state_t *yyesa;
  yy_state_t **yyes;
  YYPTRDIFF_T *yyes_capacity;
  yysymbol_kind_t yytoken;
  YYLTYPE *yylloc;
} yypcontext_t;

/* Put in YYARG at most YYARGN of the expected tokens given the
   current YYCTX, and return the number of tokens stored in YYARG.  If
   YYARG is null, return the number of expected tokens (guaranteed to
   be less than YYNTOKENS).  Return YYENOMEM on memory exhaustion.
   Return 0 if there are more than YYARGN expected tokens, yet fill
   YYARG up to YYARGN. */
static int
yypcontext_expected_tokens (const yypcontext_t *yyctx,
                            yysymbol_kind_t yyarg[], int yyargn)
{
  /* Actual size of YYARG. */
  int yycount = 0;

  int yyx;
  for (yyx = 0; yyx < YYNTOKENS; ++yyx)
    {
      yysymbol_kind_t yysym = YY_CAST (yysymbol_kind_t, yyx);
      if (yysym != YYSYMBOL_YYerror && yysym != YYSYMBOL_YYUNDEF)
        switch (yy_lac (yyctx->yyesa, yyctx->yyes, yyctx->yyes_capacity, yyctx->yyssp, yysym))
          {
          case YYENOMEM:
            return YYENOMEM;
          case 1:
            continue;
          default:
            if (!yyarg)
              ++yycount;
            else if (yycount == yyargn)
              return 0;
            else
              yyarg[yycount++] = yysym;
          }
    }
  if (yyarg && yycount == 0 && 0 < yyargn)
    yyarg[0] = YYSYMBOL_YYEMPTY;
  return yycount;
}




/* The kind of the lookahead of this context.  */
static yysymbol_kind_t
yypcontext_token (const yypcontext_t *yyctx) YY_ATTRIBUTE_UNUSED;

static yysymbol_kind_t
yypcontext_token (const yypcontext_t *yyctx)
{
  return yyctx->yytoken;
}

/* The location of the lookahead of this context.  */
static YYLTYPE *
yypcontext_location (const yypcontext_t *yyctx) YY_ATTRIBUTE_UNUSED;

static YYLTYPE *
yypcontext_location (const yypcontext_t *yyctx)
{
  return yyctx->yylloc;
}

/* User defined function to report a syntax error.  */
static int
yyreport_syntax_error (const yypcontext_t *yyctx, void *scanner, syntax_context *context);

/*-----------------------------------------------.
| Release the memory associated to this symbol.  |
`-----------------------------------------------*/

static void
yydestruct (const char *yymsg,
            yysymbol_kind_t yykind, YYSTYPE *yyvaluep, YYLTYPE *yylocationp, void *scanner, syntax_context *context)
{
  YY_USE (yyvaluep);
  YY_USE (yylocationp);
  YY_USE (scanner);
  YY_USE (context);
  if (!yymsg)
    yymsg = "Deleting";
  YY_SYMBOL_PRINT (yymsg, yykind, yyvaluep, yylocationp);

  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  switch (yykind)
    {
    case YYSYMBOL_NAME: /* "name"  */
#line 87 "grammar/parser.y"
            { free(((*yyvaluep).text)); }
#line 1377 "grammar/parser.c"
        break;

    case YYSYMBOL_STRING: /* "string"  */
#line 87 "grammar/parser.y"
            { free(((*yyvaluep).text)); }
#line 1383 "grammar/parser.c"
        break;

    case YYSYMBOL_items: /* items  */
#line 92 "grammar/parser.y"
            { ast_decl_clear(((*yyvaluep).model)); free(((*yyvaluep).model)); }
#line 1389 "grammar/parser.c"
        break;

    case YYSYMBOL_item: /* item  */
#line 91 "grammar/parser.y"
            { ast_item_clear(&((*yyvaluep).item)); }
#line 1395 "grammar/parser.c"
        break;

    case YYSYMBOL_optional_block: /* optional_block  */
#line 89 "grammar/parser.y"
            { ast_block_free(((*yyvaluep).block)); }
#line 1401 "grammar/parser.c"
        break;

    case YYSYMBOL_block: /* block  */
#line 89 "grammar/parser.y"
            { ast_block_free(((*yyvaluep).block)); }
#line 1407 "grammar/parser.c"
        break;

    case YYSYMBOL_settings: /* settings  */
#line 89 "grammar/parser.y"
            { ast_block_free(((*yyvaluep).block)); }
#line 1413 "grammar/parser.c"
        break;

    case YYSYMBOL_setting: /* setting  */
#line 90 "grammar/parser.y"
            { free(((*yyvaluep).setting).key.text); ast_expr_free(((*yyvaluep).setting).value); }
#line 1419 "grammar/parser.c"
        break;

    case YYSYMBOL_key: /* key  */
#line 87 "grammar/parser.y"
            { free(((*yyvaluep).text)); }
#line 1425 "grammar/parser.c"
        break;

    case YYSYMBOL_expr: /* expr  */
#line 88 "grammar/parser.y"
            { ast_expr_free(((*yyvaluep).expr)); }
#line 1431 "grammar/parser.c"
        break;

    case YYSYMBOL_call: /* call  */
#line 88 "grammar/parser.y"
            { ast_expr_free(((*yyvaluep).expr)); }
#line 1437 "grammar/parser.c"
        break;

    case YYSYMBOL_call_open: /* call_open  */
#line 88 "grammar/parser.y"
            { ast_expr_free(((*yyvaluep).expr)); }
#line 1443 "grammar/parser.c"
        break;

    case YYSYMBOL_call_args: /* call_args  */
#line 88 "grammar/parser.y"
            { ast_expr_free(((*yyvaluep).expr)); }
#line 1449 "grammar/parser.c"
        break;

      default:
        break;
    }
  YY_IGNORE_MAYBE_UNINITIALIZED_END
}






/*----------.
| yyparse.  |
`----------*/

int
yyparse (void *scanner, syntax_context *context)
{
/* Lookahead token kind.  */
int yychar;


/* The semantic value of the lookahead symbol.  */
/* Default value used for initialization, for pacifying older GCCs
   or non-GCC compilers.  */
YY_INITIAL_VALUE (static YYSTYPE yyval_default;)
YYSTYPE yylval YY_INITIAL_VALUE (= yyval_default);

/* Location data for the lookahead symbol.  */
static YYLTYPE yyloc_default
# if defined YYLTYPE_IS_TRIVIAL && YYLTYPE_IS_TRIVIAL
  = { 1, 1, 1, 1 }
# endif
;
YYLTYPE yylloc = yyloc_default;

    /* Number of syntax errors so far.  */
    int yynerrs = 0;

    yy_state_fast_t yystate = 0;
    /* Number of tokens to shift before error messages enabled.  */
    int yyerrstatus = 0;

    /* Refer to the stacks through separate pointers, to allow yyoverflow
       to reallocate them elsewhere.  */

    /* Their size.  */
    YYPTRDIFF_T yystacksize = YYINITDEPTH;

    /* The state stack: array, bottom, top.  */
    yy_state_t yyssa[YYINITDEPTH];
    yy_state_t *yyss = yyssa;
    yy_state_t *yyssp = yyss;

    /* The semantic value stack: array, bottom, top.  */
    YYSTYPE yyvsa[YYINITDEPTH];
    YYSTYPE *yyvs = yyvsa;
    YYSTYPE *yyvsp = yyvs;

    /* The location stack: array, bottom, top.  */
    YYLTYPE yylsa[YYINITDEPTH];
    YYLTYPE *yyls = yylsa;
    YYLTYPE *yylsp = yyls;

    yy_state_t yyesa[20];
    yy_state_t *yyes = yyesa;
    YYPTRDIFF_T yyes_capacity = 20 < YYMAXDEPTH ? 20 : YYMAXDEPTH;

  /* Whether LAC context is established.  A Boolean.  */
  int yy_lac_established = 0;
  int yyn;
  /* The return value of yyparse.  */
  int yyresult;
  /* Lookahead symbol kind.  */
  yysymbol_kind_t yytoken = YYSYMBOL_YYEMPTY;
  /* The variables used to return semantic value and location from the
     action routines.  */
  YYSTYPE yyval;
  YYLTYPE yyloc;

  /* The locations where the error started and ended.  */
  YYLTYPE yyerror_range[3];



#define YYPOPSTACK(N)   (yyvsp -= (N), yyssp -= (N), yylsp -= (N))

  /* The number of symbols on the RHS of the reduced rule.
     Keep to zero when no symbol should be popped.  */
  int yylen = 0;

  YYDPRINTF ((stderr, "Starting parse\n"));

  yychar = TOKEN_YYEMPTY; /* Cause a token to be read.  */

  yylsp[0] = yylloc;
  goto yysetstate;


/*------------------------------------------------------------.
| yynewstate -- push a new state, which is found in yystate.  |
`------------------------------------------------------------*/
yynewstate:
  /* In all cases, when you get here, the value and location stacks
     have just been pushed.  So pushing a state here evens the stacks.  */
  yyssp++;


/*--------------------------------------------------------------------.
| yysetstate -- set current state (the top of the stack) to yystate.  |
`--------------------------------------------------------------------*/
yysetstate:
  YYDPRINTF ((stderr, "Entering state %d\n", yystate));
  YY_ASSERT (0 <= yystate && yystate < YYNSTATES);
  YY_IGNORE_USELESS_CAST_BEGIN
  *yyssp = YY_CAST (yy_state_t, yystate);
  YY_IGNORE_USELESS_CAST_END
  YY_STACK_PRINT (yyss, yyssp);

  if (yyss + yystacksize - 1 <= yyssp)
#if !defined yyoverflow && !defined YYSTACK_RELOCATE
    YYNOMEM;
#else
    {
      /* Get the current used size of the three stacks, in elements.  */
      YYPTRDIFF_T yysize = yyssp - yyss + 1;

# if defined yyoverflow
      {
        /* Give user a chance to reallocate the stack.  Use copies of
           these so that the &'s don't force the real ones into
           memory.  */
        yy_state_t *yyss1 = yyss;
        YYSTYPE *yyvs1 = yyvs;
        YYLTYPE *yyls1 = yyls;

        /* Each stack pointer address is followed by the size of the
           data in use in that stack, in bytes.  This used to be a
           conditional around just the two extra args, but that might
           be undefined if yyoverflow is a macro.  */
        yyoverflow (YY_("memory exhausted"),
                    &yyss1, yysize * YYSIZEOF (*yyssp),
                    &yyvs1, yysize * YYSIZEOF (*yyvsp),
                    &yyls1, yysize * YYSIZEOF (*yylsp),
                    &yystacksize);
        yyss = yyss1;
        yyvs = yyvs1;
        yyls = yyls1;
      }
# else /* defined YYSTACK_RELOCATE */
      /* Extend the stack our own way.  */
      if (YYMAXDEPTH <= yystacksize)
        YYNOMEM;
      yystacksize *= 2;
      if (YYMAXDEPTH < yystacksize)
        yystacksize = YYMAXDEPTH;

      {
        yy_state_t *yyss1 = yyss;
        union yyalloc *yyptr =
          YY_CAST (union yyalloc *,
                   YYSTACK_ALLOC (YY_CAST (YYSIZE_T, YYSTACK_BYTES (yystacksize))));
        if (! yyptr)
          YYNOMEM;
        YYSTACK_RELOCATE (yyss_alloc, yyss);
        YYSTACK_RELOCATE (yyvs_alloc, yyvs);
        YYSTACK_RELOCATE (yyls_alloc, yyls);
#  undef YYSTACK_RELOCATE
        if (yyss1 != yyssa)
          YYSTACK_FREE (yyss1);
      }
# endif

      yyssp = yyss + yysize - 1;
      yyvsp = yyvs + yysize - 1;
      yylsp = yyls + yysize - 1;

      YY_IGNORE_USELESS_CAST_BEGIN
      YYDPRINTF ((stderr, "Stack size increased to %ld\n",
                  YY_CAST (long, yystacksize)));
      YY_IGNORE_USELESS_CAST_END

      if (yyss + yystacksize - 1 <= yyssp)
        YYABORT;
    }
#endif /* !defined yyoverflow && !defined YYSTACK_RELOCATE */


  if (yystate == YYFINAL)
    YYACCEPT;

  goto yybackup;


/*-----------.
| yybackup.  |
`-----------*/
yybackup:
  /* Do appropriate processing given the current state.  Read a
     lookahead token if we need one and don't already have one.  */

  /* First try to decide what to do without reference to lookahead token.  */
  yyn = yypact[yystate];
  if (yypact_value_is_default (yyn))
    goto yydefault;

  /* Not known => get a lookahead token if don't already have one.  */

  /* YYCHAR is either empty, or end-of-input, or a valid lookahead.  */
  if (yychar == TOKEN_YYEMPTY)
    {
      YYDPRINTF ((stderr, "Reading a token\n"));
      yychar = yylex (&yylval, &yylloc, scanner);
    }

  if (yychar <= TOKEN_END)
    {
      yychar = TOKEN_END;
      yytoken = YYSYMBOL_YYEOF;
      YYDPRINTF ((stderr, "Now at end of input.\n"));
    }
  else if (yychar == TOKEN_YYerror)
    {
      /* The scanner already issued an error message, process directly
         to error recovery.  But do not keep the error token as
         lookahead, it is too special and may lead us to an endless
         loop in error recovery. */
      yychar = TOKEN_YYUNDEF;
      yytoken = YYSYMBOL_YYerror;
      yyerror_range[1] = yylloc;
      goto yyerrlab1;
    }
  else
    {
      yytoken = YYTRANSLATE (yychar);
      YY_SYMBOL_PRINT ("Next token is", yytoken, &yylval, &yylloc);
    }

  /* If the proper action on seeing token YYTOKEN is to reduce or to
     detect an error, take that action.  */
  yyn += yytoken;
  if (yyn < 0 || YYLAST < yyn || yycheck[yyn] != yytoken)
    {
      YY_LAC_ESTABLISH;
      goto yydefault;
    }
  yyn = yytable[yyn];
  if (yyn <= 0)
    {
      if (yytable_value_is_error (yyn))
        goto yyerrlab;
      yyn = -yyn;
      YY_LAC_ESTABLISH;
      goto yyreduce;
    }

  /* Count tokens shifted since error; after three, turn off error
     status.  */
  if (yyerrstatus)
    yyerrstatus--;

  /* Shift the lookahead token.  */
  YY_SYMBOL_PRINT ("Shifting", yytoken, &yylval, &yylloc);
  yystate = yyn;
  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  *++yyvsp = yylval;
  YY_IGNORE_MAYBE_UNINITIALIZED_END
  *++yylsp = yylloc;

  /* Discard the shifted token.  */
  yychar = TOKEN_YYEMPTY;
  YY_LAC_DISCARD ("shift");
  goto yynewstate;


/*-----------------------------------------------------------.
| yydefault -- do the default action for the current state.  |
`-----------------------------------------------------------*/
yydefault:
  yyn = yydefact[yystate];
  if (yyn == 0)
    goto yyerrlab;
  goto yyreduce;


/*-----------------------------.
| yyreduce -- do a reduction.  |
`-----------------------------*/
yyreduce:
  /* yyn is the number of a rule to reduce with.  */
  yylen = yyr2[yyn];

  /* If YYLEN is nonzero, implement the default value of the action:
     '$$ = $1'.

     Otherwise, the following line sets YYVAL to garbage.
     This behavior is undocumented and Bison
     users should not rely upon it.  Assigning to YYVAL
     unconditionally makes the parser a bit smaller, and it avoids a
     GCC warning that YYVAL may be used uninitialized.  */
  yyval = yyvsp[1-yylen];

  /* Default location. */
  YYLLOC_DEFAULT (yyloc, (yylsp - yylen), yylen);
  yyerror_range[1] = yyloc;
  YY_REDUCE_PRINT (yyn);
  {
    int yychar_backup = yychar;
    switch (yyn)
      {
  case 4: /* declaration: "'prior'" "name" block  */
#line 106 "grammar/parser.y"
                                { CHECK_MEMORY(add_decl(context, AST_PRIOR, (yylsp[-2]), (yyvsp[-1].text), (yylsp[-1]), (yyvsp[0].block))); }
#line 1765 "grammar/parser.c"
    break;

  case 5: /* declaration: "'task'" "name" block  */
#line 107 "grammar/parser.y"
                                { CHECK_MEMORY(add_decl(context, AST_TASK, (yylsp[-2]), (yyvsp[-1].text), (yylsp[-1]), (yyvsp[0].block))); }
#line 1771 "grammar/parser.c"
    break;

  case 6: /* declaration: "'model'" "name" '{' items '}'  */
#line 108 "grammar/parser.y"
                                {
        (yyvsp[-1].model)->kind = AST_MODEL;
        (yyvsp[-1].model)->location = (yylsp[-4]);
        (yyvsp[-1].model)->name = (ast_name){ (yyvsp[-3].text), (yylsp[-3]) };
        bool added = ast_file_add(context->file, *(yyvsp[-1].model));
        free((yyvsp[-1].model));
        CHECK_MEMORY(added);
    }
#line 1784 "grammar/parser.c"
    break;

  case 7: /* declaration: error  */
#line 116 "grammar/parser.y"
                                { }
#line 1790 "grammar/parser.c"
    break;

  case 8: /* items: %empty  */
#line 120 "grammar/parser.y"
                                { (yyval.model) = calloc(1, sizeof *(yyval.model)); CHECK_MEMORY((yyval.model)); }
#line 1796 "grammar/parser.c"
    break;

  case 9: /* items: items item  */
#line 121 "grammar/parser.y"
                                { (yyval.model) = (yyvsp[-1].model); CHECK_MEMORY(ast_decl_add_item((yyval.model), (yyvsp[0].item))); }
#line 1802 "grammar/parser.c"
    break;

  case 10: /* items: items ';'  */
#line 122 "grammar/parser.y"
                                { (yyval.model) = (yyvsp[-1].model); }
#line 1808 "grammar/parser.c"
    break;

  case 11: /* items: items error  */
#line 123 "grammar/parser.y"
                                { (yyval.model) = (yyvsp[-1].model); }
#line 1814 "grammar/parser.c"
    break;

  case 12: /* item: "'input'" "name" '[' expr ']'  */
#line 127 "grammar/parser.y"
                                { (yyval.item) = (ast_item){ .kind = AST_ITEM_INPUT, .location = (yylsp[-4]),
                                                   .name = { (yyvsp[-3].text), (yylsp[-3]) }, .width = (yyvsp[-1].expr) }; }
#line 1821 "grammar/parser.c"
    break;

  case 13: /* item: "'layer'" "name" '=' call optional_block  */
#line 130 "grammar/parser.y"
                                { (yyval.item) = (ast_item){ .kind = AST_ITEM_LAYER, .location = (yylsp[-4]),
                                                   .name = { (yyvsp[-3].text), (yylsp[-3]) }, .call = (yyvsp[-1].expr), .settings = (yyvsp[0].block) }; }
#line 1828 "grammar/parser.c"
    break;

  case 14: /* item: "'loss'" call  */
#line 132 "grammar/parser.y"
                                { (yyval.item) = (ast_item){ .kind = AST_ITEM_LOSS, .location = (yylsp[-1]), .call = (yyvsp[0].expr) }; }
#line 1834 "grammar/parser.c"
    break;

  case 15: /* item: "'l2'" block  */
#line 133 "grammar/parser.y"
                                { (yyval.item) = (ast_item){ .kind = AST_ITEM_L2, .location = (yylsp[-1]), .settings = (yyvsp[0].block) }; }
#line 1840 "grammar/parser.c"
    break;

  case 16: /* optional_block: %empty  */
#line 137 "grammar/parser.y"
                                { (yyval.block) = NULL; }
#line 1846 "grammar/parser.c"
    break;

  case 18: /* block: '{' settings '}'  */
#line 142 "grammar/parser.y"
                                { (yyval.block) = (yyvsp[-1].block); (yyval.block)->location = (yyloc); }
#line 1852 "grammar/parser.c"
    break;

  case 19: /* settings: %empty  */
#line 146 "grammar/parser.y"
                                { (yyval.block) = ast_block_new(); CHECK_MEMORY((yyval.block)); }
#line 1858 "grammar/parser.c"
    break;

  case 20: /* settings: settings setting  */
#line 147 "grammar/parser.y"
                                { (yyval.block) = (yyvsp[-1].block); CHECK_MEMORY(ast_block_add((yyval.block), (yyvsp[0].setting))); }
#line 1864 "grammar/parser.c"
    break;

  case 21: /* settings: settings ';'  */
#line 148 "grammar/parser.y"
                                { (yyval.block) = (yyvsp[-1].block); }
#line 1870 "grammar/parser.c"
    break;

  case 22: /* settings: settings error  */
#line 149 "grammar/parser.y"
                                { (yyval.block) = (yyvsp[-1].block); }
#line 1876 "grammar/parser.c"
    break;

  case 23: /* setting: key '=' expr frozen  */
#line 153 "grammar/parser.y"
                                { (yyval.setting) = (ast_setting){ .key = { (yyvsp[-3].text), (yylsp[-3]) }, .value = (yyvsp[-1].expr),
                                                      .frozen = (yyvsp[0].flag), .location = (yyloc) }; }
#line 1883 "grammar/parser.c"
    break;

  case 25: /* key: "'prior'"  */
#line 160 "grammar/parser.y"
                                { (yyval.text) = strdup("prior"); CHECK_MEMORY((yyval.text)); }
#line 1889 "grammar/parser.c"
    break;

  case 26: /* key: "'model'"  */
#line 161 "grammar/parser.y"
                                { (yyval.text) = strdup("model"); CHECK_MEMORY((yyval.text)); }
#line 1895 "grammar/parser.c"
    break;

  case 27: /* key: "'task'"  */
#line 162 "grammar/parser.y"
                                { (yyval.text) = strdup("task"); CHECK_MEMORY((yyval.text)); }
#line 1901 "grammar/parser.c"
    break;

  case 28: /* key: "'input'"  */
#line 163 "grammar/parser.y"
                                { (yyval.text) = strdup("input"); CHECK_MEMORY((yyval.text)); }
#line 1907 "grammar/parser.c"
    break;

  case 29: /* key: "'layer'"  */
#line 164 "grammar/parser.y"
                                { (yyval.text) = strdup("layer"); CHECK_MEMORY((yyval.text)); }
#line 1913 "grammar/parser.c"
    break;

  case 30: /* key: "'loss'"  */
#line 165 "grammar/parser.y"
                                { (yyval.text) = strdup("loss"); CHECK_MEMORY((yyval.text)); }
#line 1919 "grammar/parser.c"
    break;

  case 31: /* key: "'l2'"  */
#line 166 "grammar/parser.y"
                                { (yyval.text) = strdup("l2"); CHECK_MEMORY((yyval.text)); }
#line 1925 "grammar/parser.c"
    break;

  case 32: /* frozen: %empty  */
#line 170 "grammar/parser.y"
                                { (yyval.flag) = false; }
#line 1931 "grammar/parser.c"
    break;

  case 33: /* frozen: "'frozen'"  */
#line 171 "grammar/parser.y"
                                { (yyval.flag) = true; }
#line 1937 "grammar/parser.c"
    break;

  case 34: /* expr: "number"  */
#line 175 "grammar/parser.y"
                                { (yyval.expr) = ast_number((yyvsp[0].number), (yylsp[0])); CHECK_MEMORY((yyval.expr)); }
#line 1943 "grammar/parser.c"
    break;

  case 35: /* expr: "string"  */
#line 176 "grammar/parser.y"
                                { (yyval.expr) = ast_string((yyvsp[0].text), (yylsp[0])); CHECK_MEMORY((yyval.expr)); }
#line 1949 "grammar/parser.c"
    break;

  case 36: /* expr: "name"  */
#line 177 "grammar/parser.y"
                                { (yyval.expr) = ast_name_expr((yyvsp[0].text), (yylsp[0])); CHECK_MEMORY((yyval.expr)); }
#line 1955 "grammar/parser.c"
    break;

  case 38: /* expr: '(' expr ')'  */
#line 179 "grammar/parser.y"
                                { (yyval.expr) = (yyvsp[-1].expr); (yyval.expr)->location = (yyloc); }
#line 1961 "grammar/parser.c"
    break;

  case 39: /* expr: '(' error ')'  */
#line 180 "grammar/parser.y"
                                { (yyval.expr) = ast_error((yyloc)); CHECK_MEMORY((yyval.expr)); }
#line 1967 "grammar/parser.c"
    break;

  case 40: /* expr: '-' expr  */
#line 181 "grammar/parser.y"
                                { (yyval.expr) = bounded_depth(context, ast_negate((yyvsp[0].expr), (yyloc))); CHECK_MEMORY((yyval.expr)); }
#line 1973 "grammar/parser.c"
    break;

  case 41: /* expr: expr '+' expr  */
#line 182 "grammar/parser.y"
                                { (yyval.expr) = bounded_depth(context, ast_binary('+', (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc))); CHECK_MEMORY((yyval.expr)); }
#line 1979 "grammar/parser.c"
    break;

  case 42: /* expr: expr '-' expr  */
#line 183 "grammar/parser.y"
                                { (yyval.expr) = bounded_depth(context, ast_binary('-', (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc))); CHECK_MEMORY((yyval.expr)); }
#line 1985 "grammar/parser.c"
    break;

  case 43: /* expr: expr '*' expr  */
#line 184 "grammar/parser.y"
                                { (yyval.expr) = bounded_depth(context, ast_binary('*', (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc))); CHECK_MEMORY((yyval.expr)); }
#line 1991 "grammar/parser.c"
    break;

  case 44: /* expr: expr '/' expr  */
#line 185 "grammar/parser.y"
                                { (yyval.expr) = bounded_depth(context, ast_binary('/', (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc))); CHECK_MEMORY((yyval.expr)); }
#line 1997 "grammar/parser.c"
    break;

  case 45: /* call: call_open ')'  */
#line 189 "grammar/parser.y"
                                { (yyval.expr) = (yyvsp[-1].expr); (yyval.expr)->location = (yyloc); }
#line 2003 "grammar/parser.c"
    break;

  case 46: /* call: call_args ')'  */
#line 190 "grammar/parser.y"
                                { (yyval.expr) = (yyvsp[-1].expr); (yyval.expr)->location = (yyloc); }
#line 2009 "grammar/parser.c"
    break;

  case 47: /* call: call_open error ')'  */
#line 191 "grammar/parser.y"
                                { ast_expr_free((yyvsp[-2].expr)); (yyval.expr) = ast_error((yyloc)); CHECK_MEMORY((yyval.expr)); }
#line 2015 "grammar/parser.c"
    break;

  case 48: /* call: call_args error ')'  */
#line 192 "grammar/parser.y"
                                { ast_expr_free((yyvsp[-2].expr)); (yyval.expr) = ast_error((yyloc)); CHECK_MEMORY((yyval.expr)); }
#line 2021 "grammar/parser.c"
    break;

  case 49: /* call_open: "name" '('  */
#line 196 "grammar/parser.y"
                                { (yyval.expr) = ast_call((yyvsp[-1].text), (yylsp[-1])); CHECK_MEMORY((yyval.expr)); }
#line 2027 "grammar/parser.c"
    break;

  case 50: /* call_args: call_open expr  */
#line 200 "grammar/parser.y"
                                { (yyval.expr) = (yyvsp[-1].expr); CHECK_MEMORY(ast_call_add_arg((yyval.expr), (yyvsp[0].expr))); (yyval.expr) = bounded_depth(context, (yyval.expr)); CHECK_MEMORY((yyval.expr)); }
#line 2033 "grammar/parser.c"
    break;

  case 51: /* call_args: call_args ',' expr  */
#line 201 "grammar/parser.y"
                                { (yyval.expr) = (yyvsp[-2].expr); CHECK_MEMORY(ast_call_add_arg((yyval.expr), (yyvsp[0].expr))); (yyval.expr) = bounded_depth(context, (yyval.expr)); CHECK_MEMORY((yyval.expr)); }
#line 2039 "grammar/parser.c"
    break;


#line 2043 "grammar/parser.c"

        default: break;
      }
    if (yychar_backup != yychar)
      YY_LAC_DISCARD ("yychar change");
  }
  /* User semantic actions sometimes alter yychar, and that requires
     that yytoken be updated with the new translation.  We take the
     approach of translating immediately before every use of yytoken.
     One alternative is translating here after every semantic action,
     but that translation would be missed if the semantic action invokes
     YYABORT, YYACCEPT, or YYERROR immediately after altering yychar or
     if it invokes YYBACKUP.  In the case of YYABORT or YYACCEPT, an
     incorrect destructor might then be invoked immediately.  In the
     case of YYERROR or YYBACKUP, subsequent parser actions might lead
     to an incorrect destructor call or verbose syntax error message
     before the lookahead is translated.  */
  YY_SYMBOL_PRINT ("-> $$ =", YY_CAST (yysymbol_kind_t, yyr1[yyn]), &yyval, &yyloc);

  YYPOPSTACK (yylen);
  yylen = 0;

  *++yyvsp = yyval;
  *++yylsp = yyloc;

  /* Now 'shift' the result of the reduction.  Determine what state
     that goes to, based on the state we popped back to and the rule
     number reduced by.  */
  {
    const int yylhs = yyr1[yyn] - YYNTOKENS;
    const int yyi = yypgoto[yylhs] + *yyssp;
    yystate = (0 <= yyi && yyi <= YYLAST && yycheck[yyi] == *yyssp
               ? yytable[yyi]
               : yydefgoto[yylhs]);
  }

  goto yynewstate;


/*--------------------------------------.
| yyerrlab -- here on detecting error.  |
`--------------------------------------*/
yyerrlab:
  /* Make sure we have latest lookahead translation.  See comments at
     user semantic actions for why this is necessary.  */
  yytoken = yychar == TOKEN_YYEMPTY ? YYSYMBOL_YYEMPTY : YYTRANSLATE (yychar);
  /* If not already recovering from an error, report this error.  */
  if (!yyerrstatus)
    {
      ++yynerrs;
      {
        yypcontext_t yyctx
          = {yyssp, yyesa, &yyes, &yyes_capacity, yytoken, &yylloc};
        if (yychar != TOKEN_YYEMPTY)
          YY_LAC_ESTABLISH;
        if (yyreport_syntax_error (&yyctx, scanner, context) == 2)
          YYNOMEM;
      }
    }

  yyerror_range[1] = yylloc;
  if (yyerrstatus == 3)
    {
      /* If just tried and failed to reuse lookahead token after an
         error, discard it.  */

      if (yychar <= TOKEN_END)
        {
          /* Return failure if at end of input.  */
          if (yychar == TOKEN_END)
            YYABORT;
        }
      else
        {
          yydestruct ("Error: discarding",
                      yytoken, &yylval, &yylloc, scanner, context);
          yychar = TOKEN_YYEMPTY;
        }
    }

  /* Else will try to reuse lookahead token after shifting the error
     token.  */
  goto yyerrlab1;


/*---------------------------------------------------.
| yyerrorlab -- error raised explicitly by YYERROR.  |
`---------------------------------------------------*/
yyerrorlab:
  /* Pacify compilers when the user code never invokes YYERROR and the
     label yyerrorlab therefore never appears in user code.  */
  if (0)
    YYERROR;
  ++yynerrs;

  /* Do not reclaim the symbols of the rule whose action triggered
     this YYERROR.  */
  YYPOPSTACK (yylen);
  yylen = 0;
  YY_STACK_PRINT (yyss, yyssp);
  yystate = *yyssp;
  goto yyerrlab1;


/*-------------------------------------------------------------.
| yyerrlab1 -- common code for both syntax error and YYERROR.  |
`-------------------------------------------------------------*/
yyerrlab1:
  yyerrstatus = 3;      /* Each real token shifted decrements this.  */

  /* Pop stack until we find a state that shifts the error token.  */
  for (;;)
    {
      yyn = yypact[yystate];
      if (!yypact_value_is_default (yyn))
        {
          yyn += YYSYMBOL_YYerror;
          if (0 <= yyn && yyn <= YYLAST && yycheck[yyn] == YYSYMBOL_YYerror)
            {
              yyn = yytable[yyn];
              if (0 < yyn)
                break;
            }
        }

      /* Pop the current state because it cannot handle the error token.  */
      if (yyssp == yyss)
        YYABORT;

      yyerror_range[1] = *yylsp;
      yydestruct ("Error: popping",
                  YY_ACCESSING_SYMBOL (yystate), yyvsp, yylsp, scanner, context);
      YYPOPSTACK (1);
      yystate = *yyssp;
      YY_STACK_PRINT (yyss, yyssp);
    }

  /* If the stack popping above didn't lose the initial context for the
     current lookahead token, the shift below will for sure.  */
  YY_LAC_DISCARD ("error recovery");

  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  *++yyvsp = yylval;
  YY_IGNORE_MAYBE_UNINITIALIZED_END

  yyerror_range[2] = yylloc;
  ++yylsp;
  YYLLOC_DEFAULT (*yylsp, yyerror_range, 2);

  /* Shift the error token.  */
  YY_SYMBOL_PRINT ("Shifting", YY_ACCESSING_SYMBOL (yyn), yyvsp, yylsp);

  yystate = yyn;
  goto yynewstate;


/*-------------------------------------.
| yyacceptlab -- YYACCEPT comes here.  |
`-------------------------------------*/
yyacceptlab:
  yyresult = 0;
  goto yyreturnlab;


/*-----------------------------------.
| yyabortlab -- YYABORT comes here.  |
`-----------------------------------*/
yyabortlab:
  yyresult = 1;
  goto yyreturnlab;


/*-----------------------------------------------------------.
| yyexhaustedlab -- YYNOMEM (memory exhaustion) comes here.  |
`-----------------------------------------------------------*/
yyexhaustedlab:
  yyerror (&yylloc, scanner, context, YY_("memory exhausted"));
  yyresult = 2;
  goto yyreturnlab;


/*----------------------------------------------------------.
| yyreturnlab -- parsing is finished, clean up and return.  |
`----------------------------------------------------------*/
yyreturnlab:
  if (yychar != TOKEN_YYEMPTY)
    {
      /* Make sure we have latest lookahead translation.  See comments at
         user semantic actions for why this is necessary.  */
      yytoken = YYTRANSLATE (yychar);
      yydestruct ("Cleanup: discarding lookahead",
                  yytoken, &yylval, &yylloc, scanner, context);
    }
  /* Do not reclaim the symbols of the rule whose action triggered
     this YYABORT or YYACCEPT.  */
  YYPOPSTACK (yylen);
  YY_STACK_PRINT (yyss, yyssp);
  while (yyssp != yyss)
    {
      yydestruct ("Cleanup: popping",
                  YY_ACCESSING_SYMBOL (+*yyssp), yyvsp, yylsp, scanner, context);
      YYPOPSTACK (1);
    }
#ifndef yyoverflow
  if (yyss != yyssa)
    YYSTACK_FREE (yyss);
#endif
  if (yyes != yyesa)
    YYSTACK_FREE (yyes);

  return yyresult;
}

#line 204 "grammar/parser.y"


/* Trees deeper than AST_MAX_DEPTH are replaced by an error node, reported once. */
static ast_expr *bounded_depth(syntax_context *context, ast_expr *e)
{
    if (!e || e->depth <= AST_MAX_DEPTH)
        return e;
    if (!context->depth_reported)
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, e->location,
                          "expression is nested too deeply (more than %d levels)", AST_MAX_DEPTH);
    context->depth_reported = true;
    source_location where = e->location;
    ast_expr_free(e);
    return ast_error(where);
}

static bool add_decl(syntax_context *context, ast_decl_kind kind, source_location where,
                     char *name, source_location name_location, ast_block *settings)
{
    ast_decl decl = { .kind = kind, .location = where, .name = { name, name_location },
                      .settings = settings };
    return ast_file_add(context->file, decl);
}

/* The source text under a one-line location, e.g. the offending token. */
static void quote_source(const char *text, source_location where, char *out, size_t size)
{
    const char *p = text;
    for (int line = 1; line < where.first_line && *p; p++)
        line += *p == '\n';
    for (int column = 1; column < where.first_column && *p && *p != '\n'; p++)
        column += ((unsigned char)p[1] & 0xC0) != 0x80;
    size_t length = 0;
    for (int column = where.first_column; p[length] && p[length] != '\n'; length++) {
        if (((unsigned char)p[length] & 0xC0) != 0x80 && column++ > where.last_column)
            break;
    }
    snprintf(out, size, "%.*s", (int)length, p);
}

/* How an expected token is described: the tokens that start an expression
 * become "a value", the binary operators after one "an operator"; others by
 * their spelling ('}' or 'layer'). Character tokens have no symbolic name in
 * bison, so they are recognised by spelling. */
static const char *expected_name(yysymbol_kind_t symbol, bool value_expected)
{
    const char *name = yysymbol_name(symbol);
    if (symbol == YYSYMBOL_NUMBER || symbol == YYSYMBOL_STRING || symbol == YYSYMBOL_NAME)
        return "a value";
    if (value_expected && (strcmp(name, "'('") == 0 || strcmp(name, "'-'") == 0))
        return "a value";
    if (strlen(name) == 3 && strchr("+-*/", name[1]))
        return "an operator";
    return name;
}

static void describe_expected(const yypcontext_t *parse, char *out, size_t size)
{
    yysymbol_kind_t expected[YYNTOKENS];
    int count = yypcontext_expected_tokens(parse, expected, YYNTOKENS);
    bool value_expected = false;
    for (int i = 0; i < count; i++)
        value_expected |= expected[i] == YYSYMBOL_NUMBER;
    const char *names[YYNTOKENS];
    int n = 0;
    for (int i = 0; i < count; i++) {
        const char *name = expected_name(expected[i], value_expected);
        bool listed = false;
        for (int j = 0; j < n; j++)
            listed |= names[j] == name;
        if (!listed)
            names[n++] = name;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int written = snprintf(out + used, size - used, "%s%s",
                               i == 0 ? "; expected " : i == n - 1 ? " or " : ", ", names[i]);
        if (written < 0)
            break;
        used += (size_t)written;
    }
}

static int yyreport_syntax_error(const yypcontext_t *parse, void *scanner, syntax_context *context)
{
    (void)scanner;
    source_location where = *yypcontext_location(parse);
    yysymbol_kind_t unexpected = yypcontext_token(parse);
    char found[64], expected[512];
    if (unexpected == YYSYMBOL_YYEOF)
        snprintf(found, sizeof found, "end of file");
    else {
        char token[48];
        quote_source(context->text, where, token, sizeof token);
        snprintf(found, sizeof found, "'%s'", token);
    }
    describe_expected(parse, expected, sizeof expected);
    diagnostic_report(context->d, DIAGNOSTIC_ERROR, where, "unexpected %s%s", found, expected);
    return 0;
}

void yyerror(source_location *location, void *scanner, syntax_context *context, const char *message)
{
    (void)scanner;
    if (strcmp(message, "memory exhausted") != 0)
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, *location, "%s", message);
    else if (context->out_of_memory)
        diagnostic_report_file(context->d, DIAGNOSTIC_ERROR, "out of memory while parsing");
    else
        diagnostic_report(context->d, DIAGNOSTIC_ERROR, *location,
                          "the file is nested too deeply to parse (parser stack limit %d)", YYMAXDEPTH);
}
