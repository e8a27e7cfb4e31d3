import OutcomesDomain
import PostgresClient

/// The database functions that compute seals and the checks of them, as the migrations define
/// them: `payments verify` checks each one's source against the hash recorded here, so replacing a
/// function (a superuser could make `expected_seal` return the stored seal) is reported, not
/// trusted. A migration that changes one of them changes its hash here; a test holds the two together.
enum SealingCode {
    /// Each function, by its signature, and the SHA-256 of its source (`pg_proc.prosrc`).
    static let expected: [String: String] = [
        "payments.lines_digest(bigint)": "773443c37ed43dcc312acffaa2e588cc080d348da9b518da39c9100be0365554",
        "payments.determinations_digest(bigint)": "9b0fd6f01e67af369270e3df691ad1f2f5cb335ef953ba8b3640856414bf620f",
        "payments.seal_of(bigint,text,text,text)": "d1fb5e95e3a6823fd8580302980119ba16be4841ad623900963a7a25ea6f5e90",
        "payments.seal_of(bigint,text)": "4a1ed731e8829d58c4f954203051a3f284f7af2e3543039c37d516a5d2186f3d",
        "payments.sealed_time(timestamp with time zone)": "627ff491c3e7ef96ed1b103c81db33a91acef0f30b1ae887787ec4a5d51683bf",
        "payments.text_sha256(text)": "74cb93764c2c99a9ddc5e031d8753ffeeae4c8e8b147254a707c3b75c8f01768",
        "payments.lines_digest_v2(bigint)": "c784f4bfb4c970b19fd8f754a9782d264b42623ecbffd1c0d99da07ef94305c0",
        "payments.determinations_digest_v2(bigint)": "dbea14c04894a0f2bc1070fce0e56d165a823c67ec5dfd1defdd88e2958c72f1",
        "payments.run_digest_v2(bigint)": "6994e0f8e457820523b50f4d3a3d5c9139838faf8afa56e5cb1a1960fd80cfbe",
        "payments.seal_v2(bigint,bigint,text,text,timestamp with time zone,text,text)": "99212ad2f71cb12951c8a4cc43d1cefb56596c6cdc37b61a1cb517f4aafc0745",
        "payments.expected_seal(bigint)": "fefff21c44a1fcd441b89d6f4773045c8626a08c7ed8009b18be29d1c571273d",
        "payments.chain_head()": "1c5b1ff2682a05669024a89a858934b36884fbda11b2efb2dba3d620cfb487ef",
        // Which runs `--recompute` reads again from the results.
        "payments.computations_of(text,text[])": "262907a61cd8c49193fb3a7d1c6b6b9389c671c52f2762200d8a5cc691b7682f",
        "payments.recorded_computations(jsonb,text[])": "48e5988a51c549684b91d6a1465ad7baf782f29696534a5b2782198224418da6",
        // What they call: built in, by their internal names.
        "pg_catalog.sha256(bytea)": "b837587a4ee9197dbfc58639739c67616becedbb02853983aa5e47843a71261d",
        "pg_catalog.encode(bytea,text)": "3f9c29a9d00734eb9dcbde0ce6473c82b96779283a7b37fb0f2974935a2e3883",
        "pg_catalog.convert_to(text,name)": "a50e942701f78e75b719e4d10256e2cc7ab25f89df70b07c1e7b9426658c5be6",
        "pg_catalog.string_agg(text,text)": "5bbcfa692ec5c6127c10bd1d44f2a77ad1c6d3829cafceec6318b4ce85f178f8",
        "pg_catalog.concat_ws(text,\"any\")": "426cacc08c5d79f5b977e60e7163a52d252f2fc8d7b758d4f8118b22c0e7c852",
        "pg_catalog.to_char(timestamp without time zone,text)": "c0262ee797390fbcd0c52015b4496e1ed07d375c254cee7b195f75f258fcaf36",
    ]

    /// Each function's source hash as the database holds it (nil when the function is missing).
    static func current(on connection: PostgresConnection) throws -> [String: String?] {
        var found: [String: String?] = Dictionary(uniqueKeysWithValues: expected.keys.map { ($0, nil) })
        for row in try connection.execute("""
            SELECT n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')',
                   encode(sha256(convert_to(coalesce(p.prosrc, '') || '|' || coalesce(p.probin, '') || '|' || (SELECT l.lanname FROM pg_language l WHERE l.oid = p.prolang)
                                            || '|' || p.prosecdef::text, 'UTF8')), 'hex')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('payments', 'pg_catalog')
            """) {
            let signature = (try row.decode(String.self, at: 0)).replacingOccurrences(of: ", ", with: ",")
            if found.keys.contains(signature) { found[signature] = .some(try row.decode(String.self, at: 1)) }
        }
        return found
    }

    /// The functions whose source is not what the migrations defined.
    static func changes(on connection: PostgresConnection) throws -> [ChainVerification.Break] {
        try current(on: connection).filter { expected[$0.key] != $0.value }.keys.sorted().map {
            ChainVerification.Break(position: nil, runID: nil, problem: .sealingCodeChanged,
                                    detail: "the database function \($0) is not the one the migrations defined: seals checked with it prove nothing")
        }
    }
}
