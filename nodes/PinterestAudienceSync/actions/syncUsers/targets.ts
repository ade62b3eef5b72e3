import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { AudienceChoice } from '../../engine/sync';
import type { ParameterProblem } from '../parameters';
import { locatorValue, pinterestIdProblem, showableValue } from '../parameters';
import type { ItemTemplate } from './parameters';
import { itemTemplate } from './parameters';

/** Where a group of users goes: one ad account and one audience. */
export interface SyncTarget {
	adAccountId: string;
	audience: AudienceChoice;
}

/**
 * Users whose items name the same target, in order of first appearance. `users` lists their item indices
 * (ascending); null means every item (the target is the same for all, the usual case). A group whose
 * target is not usable has a `problem` instead of a `target`, and `given` says what the items named.
 */
export interface TargetGroup {
	users: Int32Array | null;
	target?: SyncTarget;
	problem?: ParameterProblem;
	given: { adAccountId: string; audienceId: string | null; audienceName: string | null };
}

const AD_ACCOUNT_FIX = 'Pick an ad account from the list or paste its ID.';
const AUDIENCE_FIX =
	'Pick an audience from the list, paste its ID, or choose "Create New Audience".';
const NAME_PROBLEM: ParameterProblem = {
	message: 'The new audience has no name',
	description:
		'Enter a name under "New Audience Name". The same name finds the same audience on later runs.',
};

/** A target parameter read once when it is fixed, or per item when it is an expression. */
interface TargetParameter {
	fixed: boolean;
	read(itemIndex: number): string;
}

function expressionOf(raw: unknown): string | undefined {
	const text =
		raw !== null && typeof raw === 'object' && '__rl' in raw
			? (raw as { value?: unknown }).value
			: raw;
	return typeof text === 'string' && text.startsWith('=') ? text : undefined;
}

/**
 * Expressions such as `{{ $json.segment }}` or `{{ $json.country }} – high value` are read straight from
 * the item (a million items in a fraction of a second); any other expression, or an item whose value n8n
 * would render differently, is evaluated by n8n for that item.
 */
function targetParameter(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	name: string,
	isLocator: boolean,
): TargetParameter {
	const evaluate = (itemIndex: number): string =>
		isLocator
			? locatorValue(context, name, itemIndex)
			: String(context.getNodeParameter(name, itemIndex, '') ?? '').trim();
	const expression =
		items.length > 1
			? expressionOf(context.getNodeParameter(name, 0, '', { rawExpressions: true }))
			: undefined;
	if (expression === undefined) {
		const value = evaluate(0);
		return { fixed: true, read: () => value };
	}
	const template: ItemTemplate | undefined = itemTemplate(expression);
	if (!template) return { fixed: false, read: evaluate };
	return {
		fixed: false,
		read: (itemIndex) => {
			const text = template(items[itemIndex].json);
			return text === undefined ? evaluate(itemIndex) : text.trim();
		},
	};
}

function describeTarget(mode: string, adAccountId: string, audienceValue: string): TargetGroup {
	const hidden = '(not shown: looks like a user identifier)';
	const given = {
		adAccountId: showableValue(adAccountId) ?? hidden,
		audienceId: mode === 'existing' ? (showableValue(audienceValue) ?? hidden) : null,
		audienceName: mode === 'existing' ? null : (showableValue(audienceValue) ?? hidden),
	};
	const problem =
		pinterestIdProblem(adAccountId, 'ad account', AD_ACCOUNT_FIX) ??
		(mode === 'existing'
			? pinterestIdProblem(audienceValue, 'audience', AUDIENCE_FIX)
			: audienceValue === ''
				? NAME_PROBLEM
				: undefined);
	if (problem) return { users: null, problem, given };
	const audience: AudienceChoice =
		mode === 'existing'
			? { mode: 'existing', audienceId: audienceValue }
			: { mode: 'createNew', name: audienceValue };
	return { users: null, target: { adAccountId, audience }, given };
}

function launchError(
	context: IExecuteFunctions,
	group: TargetGroup,
	itemIndex?: number,
): NodeOperationError {
	const problem = group.problem as ParameterProblem;
	return new NodeOperationError(context.getNode(), problem.message, {
		description: problem.description,
		itemIndex,
	});
}

/**
 * Reads Ad Account and Audience (or New Audience Name) and groups the users by the target their item names.
 * A fixed parameter is read once; an expression is read per item. What is wrong for every item stops the
 * node before any Pinterest call (launch validation); an item whose own target is wrong makes a group with a
 * `problem`, whose users are not synced while the other groups' users are.
 */
export function readSyncTargets(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): TargetGroup[] {
	const mode = context.getNodeParameter('audienceMode', 0) as string;
	const adAccount = targetParameter(context, items, 'adAccount', true);
	const audience =
		mode === 'existing'
			? targetParameter(context, items, 'audience', true)
			: targetParameter(context, items, 'audienceName', false);

	if (adAccount.fixed && audience.fixed) {
		const only = describeTarget(mode, adAccount.read(0), audience.read(0));
		if (only.problem) throw launchError(context, only);
		return [only];
	}

	const groups: TargetGroup[] = [];
	const groupByKey = new Map<string, number>();
	const groupOfUser = new Int32Array(items.length);
	const sizes: number[] = [];
	for (let user = 0; user < items.length; user++) {
		const adAccountId = adAccount.read(user);
		const audienceValue = audience.read(user);
		const key = adAccount.fixed
			? audienceValue
			: audience.fixed
				? adAccountId
				: `${adAccountId}\u0000${audienceValue}`;
		let group = groupByKey.get(key);
		if (group === undefined) {
			group = groups.push(describeTarget(mode, adAccountId, audienceValue)) - 1;
			groupByKey.set(key, group);
			sizes.push(0);
		}
		groupOfUser[user] = group;
		sizes[group]++;
	}
	if (groups.every((group) => group.problem)) throw launchError(context, groups[0], 0);
	if (groups.length === 1) return groups;

	const members = sizes.map((size) => new Int32Array(size));
	const filled = new Array<number>(groups.length).fill(0);
	for (let user = 0; user < items.length; user++) {
		const group = groupOfUser[user];
		members[group][filled[group]++] = user;
	}
	groups.forEach((group, index) => (group.users = members[index]));
	return groups;
}
