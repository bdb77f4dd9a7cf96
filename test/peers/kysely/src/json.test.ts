import {
  type Generated,
  Kysely,
  type RawBuilder,
  sql,
  ParseJSONResultsPlugin,
  type NumericString,
  expressionBuilder,
  type NonDehydrateable,
} from '../../../dist/index.js'
import {
  jsonArrayFrom as pg_jsonArrayFrom,
  jsonObjectFrom as pg_jsonObjectFrom,
  jsonBuildObject as pg_jsonBuildObject,
} from '../../../dist/helpers/postgres.js'
import {
  jsonArrayFrom as mysql_jsonArrayFrom,
  jsonObjectFrom as mysql_jsonObjectFrom,
  jsonBuildObject as mysql_jsonBuildObject,
} from '../../../dist/helpers/mysql.js'
import {
  jsonArrayFrom as mssql_jsonArrayFrom,
  jsonObjectFrom as mssql_jsonObjectFrom,
  jsonBuildObject as mssql_jsonBuildObject,
} from '../../../dist/helpers/mssql.js'
import {
  jsonArrayFrom as sqlite_jsonArrayFrom,
  jsonObjectFrom as sqlite_jsonObjectFrom,
  jsonBuildObject as sqlite_jsonBuildObject,
} from '../../../dist/helpers/sqlite.js'

import {
  destroyTest,
  initTest,
  type TestContext,
  expect,
  type Database,
  insertDefaultDataSet,
  clearDatabase,
  DIALECTS,
  orderBy,
  limit,
} from './test-setup.js'

interface JsonTable {
  id: Generated<number>
  data: {
    number_field: number
    nested: {
      string_field: string
    }
  }
}

const jsonFunctions = {
  postgres: {
    jsonArrayFrom: pg_jsonArrayFrom,
    jsonObjectFrom: pg_jsonObjectFrom,
    jsonBuildObject: pg_jsonBuildObject,
  },
  mysql: {
    jsonArrayFrom: mysql_jsonArrayFrom,
    jsonObjectFrom: mysql_jsonObjectFrom,
    jsonBuildObject: mysql_jsonBuildObject,
  },
  mssql: {
    jsonArrayFrom: mssql_jsonArrayFrom,
    jsonObjectFrom: mssql_jsonObjectFrom,
    jsonBuildObject: mssql_jsonBuildObject,
  },
  sqlite: {
    jsonArrayFrom: sqlite_jsonArrayFrom,
    jsonObjectFrom: sqlite_jsonObjectFrom,
    jsonBuildObject: sqlite_jsonBuildObject,
  },
} as const

for (const dialect of DIALECTS) {
  const { sqlSpec, variant } = dialect

  const { jsonArrayFrom, jsonObjectFrom, jsonBuildObject } =
    jsonFunctions[sqlSpec]

  describe(`${variant}: json helpers`, () => {
    let ctx: TestContext
    let db: Kysely<Database & { json_table: JsonTable }>

    before(async function () {
      ctx = await initTest(this, dialect)

      if (sqlSpec === 'postgres') {
        await ctx.db.schema
          .createTable('json_table')
          .ifNotExists()
          .addColumn('id', 'serial', (col) => col.primaryKey())
          .addColumn('data', 'jsonb')
          .execute()
      } else if (sqlSpec === 'mssql') {
        await sql`if object_id(N'json_table', N'U') is null begin create table json_table (id int primary key identity, data nvarchar(1024)); end;`.execute(
          ctx.db,
        )
      } else {
        await ctx.db.schema
          .createTable('json_table')
          .ifNotExists()
          .addColumn('id', 'integer', (col) => col.autoIncrement().primaryKey())
          .addColumn('data', 'json')
          .execute()
      }

      db = ctx.db.withTables<{ json_table: JsonTable }>()

      if (sqlSpec === 'mssql' || sqlSpec === 'sqlite') {
        db = db.withPlugin(new ParseJSONResultsPlugin())
      }
    })

    beforeEach(async () => {
      await insertDefaultDataSet(ctx)

      // Insert a couple of toys for Doggo.
      for (const name of ['Teddy', 'Rope']) {
        await ctx.db
          .insertInto('toy')
          .values((eb) => ({
            name,
            price: 10,
            pet_id: eb
              .selectFrom('pet')
              .select('id')
              .where('name', '=', 'Doggo'),
          }))
          .execute()
      }
    })

    afterEach(async () => {
      await clearDatabase(ctx)
    })

    afterEach(async () => {
      await db.deleteFrom('json_table').execute()
    })

    after(async () => {
      await ctx.db.schema.dropTable('json_table').ifExists().execute()
      await destroyTest(ctx)
    })

    it('should insert a row with a json value', async () => {
      const result = await db
        .insertInto('json_table')
        .values({
          data: toJson({
            number_field: 1,
            nested: {
              string_field: 'a',
            },
          }),
        })
        .executeTakeFirstOrThrow()

      expect(result.numInsertedOrUpdatedRows).to.equal(1n)
    })

    if (sqlSpec === 'postgres') {
      it('should update json data of a row using the subscript syntax and a raw sql snippet', async () => {
        await db
          .insertInto('json_table')
          .values({
            data: toJson({
              number_field: 1,
              nested: { string_field: 'a' },
            }),
          })
          .executeTakeFirstOrThrow()

        const newValue = Math.random()
        await db
          .updateTable('json_table')
          .set(sql`data['number_field']`, newValue)
          .executeTakeFirstOrThrow()

        const result = await db
          .selectFrom('json_table')
          .select('data')
          .executeTakeFirstOrThrow()

        expect(result.data.number_field).to.equal(newValue)
      })
    }

    if (sqlSpec === 'postgres') {
      it('should aggregate a joined table using json_agg', async () => {
        const res = await db
          .selectFrom('person')
          .innerJoin('pet', 'pet.owner_id', 'person.id')
          .select((eb) => ['first_name', eb.fn.jsonAgg('pet').as('pets')])
          .groupBy('person.first_name')
          .execute()

        expect(res).to.have.length(3)
        expect(res).to.containSubset([
          {
            first_name: 'Jennifer',
            pets: [{ name: 'Catto', species: 'cat' }],
          },
          {
            first_name: 'Arnold',
            pets: [
              {
                name: 'Doggo',
                species: 'dog',
              },
            ],
          },
          {
            first_name: 'Sylvester',
            pets: [{ name: 'Hammo', species: 'hamster' }],
          },
        ])
      })

      it('should aggregate a joined table using json_agg and distinct', async () => {
        const res = await db
          .selectFrom('person')
          .innerJoin('pet', 'pet.owner_id', 'person.id')
          .select((eb) => [
            'first_name',
            eb.fn.jsonAgg('pet').distinct().as('pets'),
          ])
          .groupBy('person.first_name')
          .execute()

        expect(res).to.have.length(3)
        expect(res).to.containSubset([
          {
            first_name: 'Jennifer',
            pets: [{ name: 'Catto', species: 'cat' }],
          },
          {
            first_name: 'Arnold',
            pets: [
              {
                name: 'Doggo',
                species: 'dog',
              },
            ],
          },
          {
            first_name: 'Sylvester',
            pets: [{ name: 'Hammo', species: 'hamster' }],
          },
        ])
      })

      it('should aggregate a subquery using json_agg', async () => {
        const res = await db
          .selectFrom('person')
          .select((eb) => [
            'first_name',
            eb
              .selectFrom('pet')
              .select((eb) => eb.fn.jsonAgg('pet').as('pet'))
              .whereRef('pet.owner_id', '=', 'person.id')
              .as('pets'),
          ])
          .execute()

        expect(res).to.have.length(3)
        expect(res).to.containSubset([
          {
            first_name: 'Jennifer',
            pets: [{ name: 'Catto', species: 'cat' }],
          },
          {
            first_name: 'Arnold',
            pets: [
              {
                name: 'Doggo',
                species: 'dog',
              },
            ],
          },
          {
            first_name: 'Sylvester',
            pets: [{ name: 'Hammo', species: 'hamster' }],
          },
        ])
      })

      it('should aggregate a subquery using json_agg and eb.table', async () => {
        const res = await db
          .selectFrom('person')
          .select((eb) => [
            'first_name',
            eb
              .selectFrom('pet')
              .select((eb) => eb.fn.jsonAgg(eb.table('pet')).as('pet'))
              .whereRef('pet.owner_id', '=', 'person.id')
              .as('pets'),
          ])
          .execute()

        expect(res).to.have.length(3)
        expect(res).to.containSubset([
          {
            first_name: 'Jennifer',
            pets: [{ name: 'Catto', species: 'cat' }],
          },
          {
            first_name: 'Arnold',
            pets: [
              {
                name: 'Doggo',
                species: 'dog',
              },
            ],
          },
          {
            first_name: 'Sylvester',
            pets: [{ name: 'Hammo', species: 'hamster' }],
          },
        ])
      })

      it('should aggregate a column using json_agg', async () => {
        const res = await db
          .selectFrom('pet')
          .leftJoin('person', 'person.id', 'pet.owner_id')
          .select((eb) => [
            eb.fn.jsonAgg('pet.name').as('petName'),
            'person.first_name',
          ])
          .groupBy('person.first_name')
          .execute()

        expect(res).to.have.length(3)
        expect(res).to.containSubset([
          {
            first_name: 'Jennifer',
            petName: ['Catto'],
          },
          {
            first_name: 'Arnold',
            petName: ['Doggo'],
          },
          {
            first_name: 'Sylvester',
            petName: ['Hammo'],
          },
        ])
      })

      it('should jsonify a joined table using to_json', async () => {
        const res = await db
          .selectFrom('person')
          .innerJoin('pet', 'pet.owner_id', 'person.id')
          .select((eb) => ['first_name', eb.fn.toJson('pet').as('pet')])
          .execute()

        expect(res).to.have.length(3)
        expect(res).to.containSubset([
          {
            first_name: 'Jennifer',
            pet: { name: 'Catto', species: 'cat' },
          },
          {
            first_name: 'Arnold',
            pet: {
              name: 'Doggo',
              species: 'dog',
            },
          },
          {
            first_name: 'Sylvester',
            pet: { name: 'Hammo', species: 'hamster' },
          },
        ])
      })
    }

    it('should select subqueries as nested json objects', async () => {
      const query = db.selectFrom('person').select((eb) => [
        'person.first_name',

        // Nest all pets for each person
        jsonArrayFrom(
          eb
            .selectFrom('pet')
            .select((eb) => [
              'name',
              'species',

              // Nest all toys for each pet
              jsonArrayFrom(
                eb
                  .selectFrom('toy')
                  .select('toy.name')
                  .whereRef('toy.pet_id', '=', 'pet.id')
                  .$call(orderBy('toy.name', 'asc', dialect)),
              ).as('toys'),
            ])
            .whereRef('owner_id', '=', 'person.id')
            .$call(orderBy('pet.name', 'asc', dialect)),
        ).as('pets'),

        // Nest the first found dog the person owns
        jsonObjectFrom(
          eb
            .selectFrom('pet')
            .select('name as doggo_name')
            .whereRef('owner_id', '=', 'person.id')
            .where('species', '=', 'dog')
            .orderBy('name', 'asc')
            .$call(limit(1, dialect)),
        ).as('doggo'),

        // Nest an object that holds the person's formatted name
        jsonBuildObject({
          first: eb.ref('first_name'),
          last: eb.ref('last_name'),
          full:
            sqlSpec === 'sqlite'
              ? sql<string>`first_name || ' ' || last_name`
              : eb.fn('concat', ['first_name', sql.lit(' '), 'last_name']),
        }).as('name'),

        // Nest an empty list
        jsonArrayFrom(
          eb
            .selectFrom('pet')
            .select('id')
            .where(sql<boolean>`1 = 2`),
        ).as('emptyList'),
      ])

      const res = await query.execute()

      if (sqlSpec === 'mysql') {
        // MySQL json_arrayagg produces an array with undefined order
        // https://dev.mysql.com/doc/refman/8.0/en/aggregate-functions.html#function_json-arrayagg
        res[1].pets[0].toys.sort((a, b) => a.name.localeCompare(b.name))
      }

      expect(res).to.eql([
        {
          first_name: 'Jennifer',
          pets: [{ name: 'Catto', species: 'cat', toys: [] }],
          emptyList: [],
          doggo: null,
          name: {
            last: 'Aniston',
            first: 'Jennifer',
            full: 'Jennifer Aniston',
          },
        },
        {
          first_name: 'Arnold',
          pets: [
            {
              name: 'Doggo',
              species: 'dog',
              toys: [{ name: 'Rope' }, { name: 'Teddy' }],
            },
          ],
          emptyList: [],
          doggo: { doggo_name: 'Doggo' },
          name: {
            last: 'Schwarzenegger',
            first: 'Arnold',
            full: 'Arnold Schwarzenegger',
          },
        },
        {
          first_name: 'Sylvester',
          pets: [{ name: 'Hammo', species: 'hamster', toys: [] }],
          emptyList: [],
          doggo: null,
          name: {
            last: 'Stallone',
            first: 'Sylvester',
            full: 'Sylvester Stallone',
          },
        },
      ])
    })

    it('should dehydrate numeric strings to numbers', async () => {
      const bigNumber = sql<NumericString | number>`9007199254740991`.as(
        'bigNumber',
      )
      const number = sql<NumericString | number>`42`.as('number')

      const result = await db
        .selectNoFrom([
          bigNumber,
          number,
          jsonObjectFrom(db.selectNoFrom([bigNumber, number]))
            .$notNull()
            .as('dehydrated'),
        ])
        .executeTakeFirstOrThrow()

      expect(typeof result.bigNumber).to.equal(
        {
          pglite: 'number',
          postgres: 'string',
          mysql: 'string',
          mssql: 'number',
          sqlite: 'number',
        }[variant],
      )
      expect(typeof result.number).to.equal(
        {
          pglite: 'number',
          postgres: 'number',
          mysql: 'string',
          mssql: 'number',
          sqlite: 'number',
        }[variant],
      )
      expect(typeof result.dehydrated.bigNumber).to.equal('number')
      expect(typeof result.dehydrated.number).to.equal('number')

      const expectedType0: NumericString | number = result.bigNumber
      const expectedType1: NumericString | number = result.number
      const expectedType2: number = result.dehydrated.bigNumber
      const expectedType3: number = result.dehydrated.number
    })

    it('should dehydrate Date to string', async () => {
      const now = sql<Date | string>`current_timestamp`.as('date')

      const result = await db
        .selectNoFrom([
          now,
          jsonObjectFrom(db.selectNoFrom([now]))
            .$notNull()
            .as('dehydrated'),
        ])
        .executeTakeFirstOrThrow()

      expect(typeof result.date).to.equal(
        {
          postgres: 'object',
          mysql: 'object',
          mssql: 'object',
          sqlite: 'string',
        }[sqlSpec],
      )
      if (sqlSpec !== 'sqlite') {
        expect(result.date instanceof Date).to.equal(true)
      }
      expect(typeof result.dehydrated.date).to.equal('string')

      const expectedType0: Date | string = result.date
      const expectedType1: string = result.dehydrated.date
    })

    it('should dehydrate Buffer to string in jsonArrayFrom', async () => {
      const buffer = (
        {
          pglite: sql<Uint8Array>`'\\xDEADBEEF'::bytea`,
          postgres: sql<Buffer>`'\\xDEADBEEF'::bytea`,
          mysql: sql<Buffer>`UNHEX('DEADBEEF')`,
          mssql: sql<Buffer>`CAST('DEADBEEF' AS VARBINARY)`,
          sqlite: sql<Buffer>`X'DEADBEEF'`,
        }[variant] satisfies RawBuilder<Buffer | Uint8Array> as RawBuilder<
          Buffer | Uint8Array
        >
      ).as('buffer')

      const result = await db
        .selectNoFrom([
          buffer,
          jsonObjectFrom(
            db.selectNoFrom([
              sqlSpec === 'sqlite'
                ? expressionBuilder()
                    .cast<string>(buffer.expression, 'text')
                    .as('buffer')
                : buffer,
            ]),
          )
            .$notNull()
            .as('dehydrated'),
        ])
        .executeTakeFirstOrThrow()

      expect(typeof result.buffer).to.equal('object')
      expect(
        variant === 'pglite'
          ? ArrayBuffer.isView(result.buffer)
          : Buffer.isBuffer(result.buffer),
      ).to.equal(true)
      expect(typeof result.dehydrated.buffer).to.equal('string')

      const expectedType0: Buffer | Uint8Array = result.buffer
      const expectedType1: string = result.dehydrated.buffer
    })

    it('should skip dehydration for NonDehydrateable types', async () => {
      const mode = sql<NonDehydrateable<NumericString>>`'1'`.as('mode')

      const result = await db
        .selectNoFrom([
          mode,
          jsonObjectFrom(db.selectNoFrom(mode)).$notNull().as('dehydrated'),
        ])
        .executeTakeFirstOrThrow()

      expect(typeof result.mode).to.equal('string')
      expect(typeof result.dehydrated.mode).to.equal('string')

      const expectedType0: NumericString = result.mode
      const expectedType1: NumericString = result.dehydrated.mode
    })
  })

  function toJson<T>(obj: T): RawBuilder<T> {
    return sql`${JSON.stringify(obj)}`
  }
}
