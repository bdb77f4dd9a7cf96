/** A Worker that sends `?n=` fetches (default 7) to env.TARGET at once and answers with their statuses. */
export default {
  async fetch(request: Request, env: { TARGET: string }): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get('n') ?? 7);
    const statuses = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await fetch(`${env.TARGET}/${i}`);
        await res.text();
        return res.status;
      }),
    );
    return new Response(JSON.stringify({ statuses }), { headers: { 'content-type': 'application/json' } });
  },
};
