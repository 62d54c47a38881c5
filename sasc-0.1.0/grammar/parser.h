/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison interface for Yacc-like parsers in C

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

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

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

#line 54 "grammar/parser.h"

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

#line 96 "grammar/parser.h"

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

#line 118 "grammar/parser.h"

#endif /* !YY_YY_GRAMMAR_PARSER_H_INCLUDED  */
